import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  canDisplay,
  figureDisplayHtml,
  loadPlotly,
  plotlyBundleLoaderHtml,
  resetDisplayState,
  setDisplayHandler,
  show,
} from "../../src/notebook/display";
import { plotlyBundleGzipBase64, plotlyBundleSource } from "../../src/plot/bundle";
import type { Figure } from "../../src/plot/figures";

const fig = (name: string): Figure => ({ data: [{ type: "scatter", name, x: [1], y: [2] }], layout: { height: 320 } });

afterEach(() => {
  setDisplayHandler(undefined);
  resetDisplayState();
});

describe("figureDisplayHtml", () => {
  it("numbers figures per process and hashes their content, deterministically", () => {
    const a = figureDisplayHtml(fig("a"));
    const b = figureDisplayHtml(fig("a"));
    const keyA = /data-mflab-figure="(mflab-1-[0-9a-f]{10})"/.exec(a)?.[1];
    const keyB = /data-mflab-figure="(mflab-2-[0-9a-f]{10})"/.exec(b)?.[1];
    expect(keyA).toBeDefined();
    expect(keyB?.slice(-10)).toBe(keyA?.slice(-10));
    expect(figureDisplayHtml(fig("b"))).not.toContain(keyA!.slice(-10));
    resetDisplayState();
    expect(figureDisplayHtml(fig("a"))).toBe(a);
    expect(a).toContain(`style="width:100%;height:320px;"`);
    expect(figureDisplayHtml(fig("a"), { height: 200, width: 300 })).toContain(`style="width:300px;height:200px;"`);
  });

  it("keeps hostile names inside the script's JSON", () => {
    const html = figureDisplayHtml(fig(`</script><img src=x onerror=alert(1)>`));
    expect(html.split("</script>")).toHaveLength(2);
    expect(html).not.toContain("<img");
  });

  it("loader: gzip+base64 by default (about 40 % of the plain bundle), plain on request, guarded", () => {
    const gz = plotlyBundleLoaderHtml();
    const plain = plotlyBundleLoaderHtml({ compress: false });
    expect(gz).toContain(plotlyBundleGzipBase64());
    expect(gz).toContain('DecompressionStream("gzip")');
    expect(gz).toContain("if (window.Plotly || window.__mflabPlotly) return;");
    expect(plain).toContain("if (!window.Plotly) {");
    expect(plain).toContain(plotlyBundleSource());
    expect(gz.length).toBeLessThan(0.45 * plain.length);
    console.log(`loader output: gzip+base64 ${(gz.length / 1e6).toFixed(2)} MB, plain ${(plain.length / 1e6).toFixed(2)} MB`);
  });
});

describe("show", () => {
  it("throws a clear error outside a kernel", () => {
    expect(canDisplay()).toBe(false);
    expect(() => show(fig("a"))).toThrow(/show\(\) needs a running tslab \(Jupyter\) kernel.*figureDisplayHtml\(\)/);
  });

  it("emits plotly.js once, then one small output per figure", () => {
    const outputs: string[] = [];
    setDisplayHandler((html) => outputs.push(html));
    expect(show(fig("a"))).toBeUndefined();
    show(fig("b"));
    expect(outputs).toHaveLength(3);
    expect(outputs[0]).toContain("DecompressionStream");
    expect(outputs[1]).toContain("mflab-1-");
    expect(outputs[2]).toContain("mflab-2-");
    expect(outputs[2].length).toBeLessThan(5000);
    loadPlotly({ compress: false });
    expect(outputs[3]).toContain("if (!window.Plotly) {");
  });

  it("finds the kernel's tslab display through require.cache, even for a tslab copy it would not resolve", () => {
    // A fake tslab installation elsewhere on disk, loaded the way the kernel loads its own copy.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mflab-fake-tslab-"));
    const dist = path.join(dir, "node_modules", "tslab", "dist");
    fs.mkdirSync(dist, { recursive: true });
    fs.writeFileSync(path.join(dist, "jupyter.js"), "exports.lastWriteDisplayData = null;\n");
    fs.writeFileSync(
      path.join(dist, "public.js"),
      `const jupyter = require("./jupyter");
       exports.display = { html(s) {
         if (jupyter.lastWriteDisplayData == null) throw new Error("Not ready");
         jupyter.lastWriteDisplayData({ data: { "text/html": s }, metadata: {}, transient: {} }, false);
       } };\n`,
    );
    const req = createRequire(path.join(dir, "index.js"));
    const jupyter = req(path.join(dist, "jupyter.js"));
    try {
      expect(canDisplay()).toBe(false); // loaded but no kernel writer yet
      const messages: { data: Record<string, string> }[] = [];
      jupyter.lastWriteDisplayData = (msg: { data: Record<string, string> }) => messages.push(msg);
      expect(canDisplay()).toBe(true);
      show(fig("k"));
      expect(messages.map((m) => Object.keys(m.data))).toEqual([["text/html"], ["text/html"]]);
      expect(messages[1].data["text/html"]).toContain("data-mflab-figure");
    } finally {
      jupyter.lastWriteDisplayData = null;
      for (const f of ["jupyter.js", "public.js"]) delete req.cache[path.join(dist, f)];
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
