/**
 * The layer plan of src/ (README, section "Layout"), enforced by `npm test` (test/architecture/layers.test.ts).
 * Bottom → top; a folder may import its own layer and the layers below it, never one above, and no import cycle.
 */
"use strict";

/** Layers, bottom first. Folders on one line are siblings (they may not import each other unless listed). */
const LAYERS = [
  ["core"],
  ["data", "linalg"],
  ["metrics"],
  ["models"],
  ["results"],
  ["experiment"],
  ["plot"],
  ["report"],
  ["ui"],
  ["cli", "notebook"],
];

const folder = (name) => `^src/${name}/`;
const any = (names) => (names.length === 1 ? folder(names[0]) : `^src/(${names.join("|")})/`);

const forbidden = [
  {
    name: "no-cycles",
    comment: "An import cycle makes the layers meaningless: split the shared part into a module below both.",
    severity: "error",
    from: { path: "^src/" },
    to: { circular: true },
  },
];

LAYERS.forEach((layer, rank) => {
  const above = LAYERS.slice(rank + 1).flat();
  if (above.length > 0) {
    forbidden.push({
      name: `no-upward-from-${layer.join("-")}`,
      comment: `${layer.join(", ")} may not import a layer above it (${above.join(", ")}).`,
      severity: "error",
      from: { path: any(layer) },
      to: { path: any(above) },
    });
  }
  for (const a of layer) {
    const siblings = layer.filter((b) => b !== a);
    if (siblings.length === 0) continue;
    forbidden.push({
      name: `no-sideways-from-${a}`,
      comment: `${a} and ${siblings.join(", ")} are siblings: neither imports the other.`,
      severity: "error",
      from: { path: folder(a) },
      to: { path: any(siblings) },
    });
  }
});

forbidden.push(
  {
    name: "readers-of-results",
    comment: "Figures, reports and the browser read results files; they never run experiments.",
    severity: "error",
    from: { path: any(["plot", "report", "ui"]) },
    to: { path: folder("experiment") },
  },
  {
    name: "results-know-model-types-only",
    comment: "The results layer describes runs; it may name model types (History) but never load a model.",
    severity: "error",
    from: { path: folder("results") },
    to: { path: folder("models"), dependencyTypesNot: ["type-only"] },
  },
  {
    name: "index-is-the-top",
    comment: "src/index.ts (and the subpath indexes) are entry points: nothing inside the library imports src/index.ts.",
    severity: "error",
    from: { path: "^src/" },
    to: { path: "^src/index\\.ts$" },
  },
);

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)node_modules/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    moduleSystems: ["cjs", "es6"],
  },
};
