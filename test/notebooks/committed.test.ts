/**
 * The committed notebooks as a reader gets them (the saved .ipynb files, not re-executed): code a student can
 * read (no line over 100 characters), outputs that look run (every code cell has its execution count, 1, 2, … in
 * order) and name no folder of the machine that ran them (no absolute path under /work, /tmp, /root or /home),
 * and every figure carrying its three representations — interactive HTML, the plotly JSON that JupyterLab and
 * VS Code draw, and a static PNG for untrusted viewers — so it never vanishes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { joinText, readNotebook } from "../helpers/notebooks";

const NOTEBOOKS = path.resolve(__dirname, "../../notebooks");
const names = fs
  .readdirSync(NOTEBOOKS)
  .filter((f) => f.endsWith(".ipynb"))
  .sort();

const load = (name: string) => readNotebook(path.join(NOTEBOOKS, name));

describe("committed notebooks", () => {
  it("there are notebooks", () => expect(names.length).toBeGreaterThanOrEqual(4));

  for (const name of names) {
    describe(name, () => {
      const cells = load(name).cells;
      const code = cells.filter((c) => c.cell_type === "code");

      it("no code line is longer than 100 characters", () => {
        const long = code.flatMap((c) => joinText(c.source).split("\n")).filter((l) => [...l].length > 100);
        expect(long).toEqual([]);
      });

      it("every code cell was run, in order (execution counts 1, 2, …)", () => {
        expect(code.map((c) => c.execution_count)).toEqual(code.map((_, k) => k + 1));
      });

      it("no output names an absolute path of the machine that ran it", () => {
        const found = code.flatMap((c, k) =>
          (c.outputs ?? []).flatMap((o) => {
            const text = JSON.stringify(o)
              .replace(/"image\/png":\s*"[^"]*"/g, "")
              .replace(/data:image\/png;base64,[A-Za-z0-9+/=]*/g, "");
            return [...text.matchAll(/\/(work|tmp|root|home)\/[^\s"'<\\]*/g)].map((m) => `cell ${k + 1}: ${m[0]}`);
          }),
        );
        expect(found).toEqual([]);
      });

      it("every figure carries HTML, the plotly JSON and a PNG", () => {
        const figures = code.flatMap((c) => (c.outputs ?? []).filter((o) => o.data && "application/vnd.plotly.v1+json" in o.data));
        const htmlFigures = code.flatMap((c) =>
          (c.outputs ?? []).filter(
            (o) =>
              typeof joinText(o.data?.["text/html"] as string[]) === "string" &&
              joinText(o.data?.["text/html"] as string[]).includes("data-mflab-figure"),
          ),
        );
        expect(figures.length).toBeGreaterThan(0);
        expect(figures.length).toBe(htmlFigures.length);
        for (const f of figures) {
          expect(Object.keys(f.data!)).toEqual(expect.arrayContaining(["text/html", "application/vnd.plotly.v1+json", "image/png"]));
          expect(joinText(f.data!["image/png"] as string).length).toBeGreaterThan(1000);
        }
      });
    });
  }
});
