/**
 * The public API: the package entry exports what a notebook author needs — at most 120 runtime names, each with a
 * doc comment — and the advanced pieces live in documented subpaths (package.json "exports"). Notebooks import only
 * the entry and those subpaths, never a deep `dist/…/file`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import * as entry from "../../src/index";

const ROOT = path.resolve(__dirname, "../..");
const SUBPATHS = ["models", "data", "metrics", "linalg", "results", "experiment", "plot", "report", "core"];

describe("the public API", () => {
  it("the package entry has at most 120 runtime names", () => {
    expect(Object.keys(entry).length).toBeLessThanOrEqual(120);
  });

  it("every runtime name of the entry has a doc comment", () => {
    const program = ts.createProgram([path.join(ROOT, "src/index.ts")], {
      strict: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
    });
    const checker = program.getTypeChecker();
    const source = program.getSourceFile(path.join(ROOT, "src/index.ts"))!;
    const moduleSymbol = checker.getSymbolAtLocation(source)!;
    const undocumented: string[] = [];
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      if (!(exported.getName() in entry)) continue; // types are free
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const doc = ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim();
      const declarationDoc = (symbol.getDeclarations() ?? []).some((d) => ts.getJSDocCommentsAndTags(d).length > 0);
      if (doc === "" && !declarationDoc) undocumented.push(exported.getName());
    }
    expect(undocumented).toEqual([]);
  });

  it("package.json exports the entry and every documented subpath, each with an index in src/", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { exports: Record<string, unknown> };
    for (const sub of SUBPATHS) {
      expect(pkg.exports[`./${sub}`], sub).toEqual({ types: `./dist/${sub}/index.d.ts`, default: `./dist/${sub}/index.js` });
      expect(fs.existsSync(path.join(ROOT, "src", sub, "index.ts")), sub).toBe(true);
    }
  });

  it("notebooks import only the package entry and documented subpaths", () => {
    const dir = path.join(ROOT, "notebooks");
    const allowed = new Set(["../dist", ...SUBPATHS.map((s) => `../dist/${s}`)]);
    for (const name of fs.readdirSync(dir).filter((f) => f.endsWith(".ipynb"))) {
      const nb = JSON.parse(fs.readFileSync(path.join(dir, name), "utf8")) as { cells: { cell_type: string; source: string[] | string }[] };
      for (const cell of nb.cells.filter((c) => c.cell_type === "code")) {
        const src = Array.isArray(cell.source) ? cell.source.join("") : cell.source;
        for (const m of src.matchAll(/from\s+"([^"]+)"|require\("([^"]+)"\)/g)) {
          const spec = m[1] ?? m[2];
          if (!spec.startsWith(".")) continue;
          expect(allowed.has(spec), `${name} imports ${spec}`).toBe(true);
        }
      }
    }
  });
});
