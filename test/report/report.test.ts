import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { InputError } from "../../src/core/errors";
import { writeResults } from "../../src/results/store";
import { plotlyBundleSource } from "../../src/plot/bundle";
import { buildReport, reportFigures } from "../../src/report/build";
import { escapeMarkdown } from "../../src/report/document";
import { observeSweep } from "../../src/report/observations";
import { defaultReportPath, writeReport } from "../../src/report/write";
import { reportCommand } from "../../src/cli/report";
import { cellMetrics, fixtureResults, fixtureValidation } from "./fixture";
import { validationFoldResults } from "../results/validation-fixture";

const f4 = (v: number) => v.toFixed(4);
const EVIL = `<script>window.__pwned=1</script>"quoted" & 'single'`;

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "mflab-report-"));
});
afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe("observeSweep", () => {
  const obs = observeSweep(fixtureResults({ failed: true }));
  const texts = obs.map((o) => o.text);

  it("states the trend along λ for each d with the numbers (hand-computed from the closed form)", () => {
    // d=5: test MSE 1.19 (λ=1), 1.105 (λ=2), 1.1075 (λ=4)
    expect(texts).toContain("test MSE for d=5 falls from 1.1900 at λ=1 to 1.1075 at λ=4; lowest 1.1050 at λ=2");
    // d=1: 0.91, 0.885, 0.9175 → rises overall, lowest in the middle
    expect(texts).toContain("test MSE for d=1 rises from 0.9100 at λ=1 to 0.9175 at λ=4; lowest 0.8850 at λ=2");
    const trend5 = obs.find((o) => o.kind === "trend" && o.text.includes("d=5"))!;
    expect(trend5.values.from).toBeCloseTo(cellMetrics(5, 1).test.mse, 12);
  });

  it("states the train–test gap trend, the lowest d per λ and the extreme gaps", () => {
    // d=5 gap: test − train = 1.19 − 0.2 = 0.99 at λ=1; 1.1075 − 0.35 = 0.7575 at λ=4
    expect(texts).toContain("train–test MSE gap (test − train) for d=5 shrinks from 0.9900 at λ=1 to 0.7575 at λ=4");
    expect(texts).toContain("for λ=2 the lowest test MSE is 0.8800 at d=2");
    expect(texts).toContain("for λ=4 the lowest test MSE is 0.9050 at d=2");
    expect(texts).toContain(`lowest test MSE: 0.8800 at d=2, λ=2, with train MSE ${f4(cellMetrics(2, 2).train.mse)}`);
    const gaps = [1, 2, 5].flatMap((d) => [1, 2, 4].map((l) => ({ d, l, gap: cellMetrics(d, l).test.mse - cellMetrics(d, l).train.mse })));
    const largest = gaps.reduce((a, b) => (b.gap > a.gap ? b : a));
    const smallest = gaps.reduce((a, b) => (b.gap < a.gap ? b : a));
    expect(texts).toContain(
      `largest train–test MSE gap: ${f4(largest.gap)} at d=${largest.d}, λ=${largest.l} (train ${f4(cellMetrics(largest.d, largest.l).train.mse)}, test ${f4(cellMetrics(largest.d, largest.l).test.mse)})`,
    );
    expect(texts.find((t) => t.startsWith("smallest train–test MSE gap:"))).toContain(`${f4(smallest.gap)} at d=${smallest.d}, λ=${smallest.l}`);
  });

  it("reports fit time, convergence, fallbacks and failures as counts", () => {
    expect(texts).toContain("fit time per run ranges from 0.100 s (d=1, λ=1) to 0.500 s (d=5, λ=1); total 2.40 s over 9 runs");
    expect(texts).toContain("3 of 9 runs stopped at the iteration cap (maxIterations = 10) before the stopping rule fired (converged = false)");
    expect(texts).toContain("every run used its model's fallback for 3 of the 20 test ratings (15.00 %) (user or item without training ratings)");
    expect(texts.find((t) => t.startsWith("1 of 10 runs failed"))).toContain("matrix not positive definite");
  });

  it("averages folds and states the spread of the lowest configuration", () => {
    const o = observeSweep(fixtureResults({ folds: ["u1", "u2", "u3"] }));
    const folds = o.find((x) => x.kind === "folds")!;
    // fold k shifts MSE by 0.01·k: mean 0.89, population std sqrt(2/3)·0.01
    expect(folds.values.mean).toBeCloseTo(0.89, 12);
    expect(folds.values.std).toBeCloseTo(Math.sqrt(2 / 3) * 0.01, 12);
    expect(folds.text).toContain("the lowest mean test MSE is 0.8900 ± 0.0082 (population std over 3 folds) for d=2, λ=2");
    // within 0.0082 of 0.89: d=1 λ=2 (0.895 mean) only
    expect(folds.values.within).toBe(1);
    expect(o.find((x) => x.kind === "lowest")!.text).toContain("(mean over 3 runs)");
  });

  it("ranks models by their lowest test metric when the sweep has several", () => {
    const r = fixtureResults();
    for (const run of r.runs) if (run.params.d === 5) run.params = { ...run.params, model: "svd" };
    const o = observeSweep(r, { metric: "test.mae" });
    const models = o.find((x) => x.kind === "models")!;
    expect(models.text).toBe(`lowest test MAE per model, ascending: als ${f4(0.72)}; svd ${f4(cellMetrics(5, 2).test.mae)}`);
  });

  it("uses no judgement words", () => {
    const all = [...texts, ...observeSweep(fixtureResults({ folds: ["u1", "u2"] })).map((o) => o.text)].join("\n");
    expect(all).not.toMatch(/\b(good|bad|better|worse|best|worst|excellent|poor|significant|clearly|overfit\w*|underfit\w*|optimal)\b/i);
  });
});

describe("buildReport", () => {
  it("HTML: escapes every data string (dataset, experiment, description, params, errors)", () => {
    const r = fixtureResults({ name: EVIL, dataset: EVIL, description: EVIL, failed: true });
    r.runs[0].params.init = EVIL;
    r.runs[r.runs.length - 1].error = EVIL;
    r.dataset.source = EVIL;
    const html = buildReport(r, { figures: false, title: EVIL });
    expect(html).not.toContain("<script>window.__pwned");
    expect(html).not.toContain(`"quoted"`);
    expect(html).toContain("&lt;script&gt;window.__pwned=1&lt;/script&gt;&quot;quoted&quot; &amp; &#39;single&#39;");
    expect(html).toContain(`<title>&lt;script&gt;window.__pwned=1&lt;/script&gt;&quot;quoted&quot;`);
    // with figures, the figure JSON is script-safe too
    const withFigures = buildReport(r, {});
    expect(withFigures).not.toContain("<script>window.__pwned");
    expect(withFigures.match(/<\/script>/gi)).toHaveLength(2); // the plotly loader and the drawing script only
    expect(withFigures).toContain("\\u003cscript\\u003ewindow.__pwned=1\\u003c/script\\u003e");
  });

  it("Markdown: escapes data strings so they show literally", () => {
    const md = buildReport(fixtureResults({ dataset: "*ml* <b>x</b> | y" }), { format: "md", figures: false });
    expect(md).toContain("\\*ml\\* &lt;b&gt;x&lt;/b&gt; \\| y");
    expect(md).not.toContain("<b>");
    expect(escapeMarkdown(`a_b [c](d) & # 'e'`)).toBe("a\\_b \\[c\\](d) &amp; \\# 'e'");
  });

  it("without validation: selects by test and warns; the table highlights the chosen row", () => {
    const html = buildReport(fixtureResults(), { figures: false });
    expect(html).toMatch(/<p class="warning">This configuration was selected by the test MSE, the same number that is reported/);
    expect(html).toContain("<dt>configuration</dt><dd>d=2, λ=2</dd>");
    const highlighted = html.match(/<tr class="highlight">(.*?)<\/tr>/g)!;
    expect(highlighted).toHaveLength(1);
    expect(highlighted[0]).toContain(`<td>2</td><td>2</td><td class="num">${f4(cellMetrics(2, 2).train.mse)}</td><td class="num">0.8800</td>`);
  });

  it("with validation: selects by the validation metric and reports the test metric separately", () => {
    const html = buildReport(fixtureResults(), { validation: fixtureValidation(), figures: false });
    expect(html).not.toContain('class="warning"');
    expect(html).toContain("<dt>configuration</dt><dd>d=1, λ=4</dd>");
    expect(html).toContain("<dt>validation MSE</dt><dd>0.8000 (used for the selection)</dd>");
    expect(html).toContain("<dt>test MSE</dt><dd>0.9175 (not used for the selection)</dd>");
    expect(html).toContain(`would choose d=2, λ=2 with test MSE 0.8800, ${f4(0.9175 - 0.88)} lower`);
    expect(html).toContain("<th>validation MSE</th>");
  });

  it("with validation on a cross-validated sweep: mean over folds", () => {
    const val = fixtureValidation();
    const md = buildReport(fixtureResults({ folds: ["u1", "u2"] }), { validation: val, format: "md", figures: false });
    expect(md).toContain("- **configuration:** d=1, λ=4");
    expect(md).toContain(`- **test MSE:** ${f4(cellMetrics(1, 4).test.mse + 0.005)} (not used for the selection)`);
  });

  it("a cross-validated sweep with its own validation metrics: validation mean ± std over folds, chosen on validation", () => {
    // ../results/validation-fixture.ts: d=1 and d=2 × 3 folds; validation MSE prefers d=1, test MSE d=2
    const popStd = (xs: number[]) => {
      const m = xs.reduce((a, b) => a + b, 0) / xs.length;
      return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / xs.length);
    };
    const md = buildReport(validationFoldResults(), { format: "md", figures: false });
    expect(md).toContain("The highlighted row is the selected configuration, chosen on validation MSE (next section).");
    expect(md).toContain(
      "| d | folds | train MSE | test MSE | train MAE | test MAE | test RMSE | ± std RMSE | validation MSE | ± std validation MSE | iterations | fit s |",
    );
    const valMse1 = [0.81, 0.8464, 0.8836];
    const row1 = md.split("\n").find((l) => l.startsWith("| **1** |"))!;
    expect(row1).toContain(`| **${f4(2.54 / 3)}** | **${f4(popStd(valMse1))}** |`);
    const row2 = md.split("\n").find((l) => l.startsWith("| 2 |"))!;
    expect(row2).toContain(`| ${f4(2.7666 / 3)} | ${f4(popStd([0.8649, 0.9216, 0.9801]))} |`);
    // without validation metrics: the table and sentence of before
    const plain = buildReport(validationFoldResults(false), { format: "md", figures: false });
    expect(plain).toContain("The highlighted row is the selected configuration (next section).");
    expect(plain).toContain("| d | folds | train MSE | test MSE | train MAE | test MAE | test RMSE | ± std RMSE | iterations | fit s |");
  });

  it("refuses a validation sweep whose choice is not in the main sweep", () => {
    const main = fixtureResults();
    main.runs = main.runs.filter((r) => !(r.params.d === 1 && r.params.lambda === 4));
    expect(() => buildReport(main, { validation: fixtureValidation() })).toThrow(InputError);
    expect(() => buildReport(main, { validation: fixtureValidation() })).toThrow(/is not in the main sweep "fixture-grid"/);
    expect(() => buildReport(main, { metric: "train.mse" })).toThrow(/metric must be test\.mse/);
  });

  it("describes dataset, protocol, environment and grid from the results file", () => {
    const md = buildReport(fixtureResults({ folds: ["u1", "u2"], failed: true }), { format: "md", figures: false });
    expect(md).toContain("- **fingerprint:** 00000000000000aa");
    expect(md).toContain("cross-validation over 2 folds (u1, u2)");
    expect(md).toContain("predictions scored as predicted (not clamped to the rating scale)");
    expect(md).toContain("sweep seed 42");
    expect(md).toContain("abc123 (working tree had uncommitted changes)");
    expect(md).toContain(
      "- als: d ∈ {1, 2, 5} × λ ∈ {1, 2, 4} (9 configurations × 2 folds); fixed: maxIterations=10, init=uniform; stored runs: 19 (18 ok, 1 failed)",
    );
    expect(md).toMatch(/\| 10 \| 1 \| FAILED: matrix not positive definite \|/);
  });

  it("HTML inlines plotly.js exactly once, whatever the number of figures", () => {
    const { figures } = reportFigures(fixtureResults());
    expect(figures.map((f) => f.id)).toEqual(["grid", "heatmap", "convergence"]);
    const html = buildReport(fixtureResults());
    const marker = plotlyBundleSource().slice(0, 200);
    expect(html.split(marker).length - 1).toBe(1);
    expect(html.match(/class="mflab-figure"/g)).toHaveLength(3);
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).toContain('http-equiv="Content-Security-Policy" content="default-src \'none\'');
  });
});

describe("writeReport and reportCommand", () => {
  it("writes <results>.report.html by default and returns 0", async () => {
    const file = path.join(dir, "sweep.json");
    writeResults(file, fixtureResults());
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      expect(await reportCommand([file])).toBe(0);
    } finally {
      log.mockRestore();
    }
    expect(defaultReportPath(file)).toBe(path.join(dir, "sweep.report.html"));
    const html = fs.readFileSync(path.join(dir, "sweep.report.html"), "utf8");
    expect(html).toContain("<h1>fixture-grid on fixture-data</h1>");
  });

  it("writes Markdown with --out x.md (figures omitted with a note when asked) and uses --validation", async () => {
    const file = path.join(dir, "sweep2.json");
    const val = path.join(dir, "sweep2.validation.json");
    writeResults(file, fixtureResults());
    writeResults(val, fixtureValidation());
    const out = path.join(dir, "out", "r.md");
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      expect(await reportCommand([file, "--validation", val, "--out", out, "--no-figures"])).toBe(0);
    } finally {
      log.mockRestore();
    }
    const md = fs.readFileSync(out, "utf8");
    expect(md).toContain("- **configuration:** d=1, λ=4");
    expect(md).not.toContain("## Figures");

    const written = await writeReport(file, path.join(dir, "r2.md"), { images: false });
    expect(written.images).toEqual([]);
    expect(fs.readFileSync(written.file, "utf8")).toContain(
      "*Figure not included — Train and test error against d for each λ: image export disabled*",
    );
  });

  it("exits 2 on bad usage and 1 on unreadable input, with the reason on stderr", async () => {
    const errors: string[] = [];
    const err = vi.spyOn(console, "error").mockImplementation((m: unknown) => void errors.push(String(m)));
    try {
      expect(await reportCommand([])).toBe(2);
      expect(await reportCommand(["a.json", "--bogus"])).toBe(2);
      expect(await reportCommand(["a.json", "--metric", "train.mse"])).toBe(2);
      expect(await reportCommand([path.join(dir, "missing.json")])).toBe(1);
    } finally {
      err.mockRestore();
    }
    expect(errors[0]).toMatch(/expected exactly one results file, got 0\nusage: mflab report/);
    expect(errors[1]).toMatch(/bogus/);
    expect(errors[3]).toMatch(/missing\.json: cannot read results file \(ENOENT\)/);
  });
});
