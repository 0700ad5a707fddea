import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  canDisplay,
  figureDisplayBundle,
  figureDisplayHtml,
  figureTitle,
  loadPlotly,
  type MimeBundle,
  PLOTLY_MIME,
  plotlyBundleLoaderHtml,
  resetDisplayState,
  setDisplayHandler,
  show,
} from "../../src/notebook/display";
import { chromiumPath } from "../../src/plot/export";
import { resetStaticRenderer } from "../../src/plot/static-image";
import { plotlyBundleGzipBase64, plotlyBundleSource } from "../../src/plot/bundle";
import type { Figure } from "../../src/plot/figures";

const fig = (name: string): Figure => ({ data: [{ type: "scatter", name, x: [1], y: [2] }], layout: { height: 320 } });
const hasChromium = fs.existsSync(chromiumPath());

/** Width and height of a PNG. */
function pngSize(b64: string): [number, number] {
  const bytes = Buffer.from(b64, "base64");
  expect(bytes.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

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

  it("emits plotly.js once, then one small output per figure (static image off)", () => {
    const outputs: string[] = [];
    setDisplayHandler((html) => outputs.push(html));
    expect(show(fig("a"), { staticImage: false })).toBeUndefined();
    show(fig("b"), { staticImage: false });
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
      show(fig("k"), { staticImage: false });
      // the loader (HTML + a text line), then the figure's whole bundle in ONE message
      expect(messages.map((m) => Object.keys(m.data).sort())).toEqual([
        ["text/html", "text/plain"],
        [PLOTLY_MIME, "text/html", "text/plain"],
      ]);
      expect(messages[1].data["text/html"]).toContain("data-mflab-figure");
    } finally {
      jupyter.lastWriteDisplayData = null;
      for (const f of ["jupyter.js", "public.js"]) delete req.cache[path.join(dist, f)];
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("every figure carries fallbacks for viewers that do not run scripts", () => {
  const titled: Figure = {
    data: [{ type: "bar", name: "RMSE", x: ["a", "b"], y: [0.9, 1.1] }],
    layout: { title: { text: "Test RMSE <br><sup>d = 5 · λ = 0.1</sup>" }, height: 300 },
  };

  it.skipIf(!hasChromium)("show() emits one bundle: interactive HTML with the image inside, plotly JSON, PNG and a text line", () => {
    const bundles: MimeBundle[] = [];
    setDisplayHandler((_html, bundle) => bundles.push(bundle));
    const started = Date.now();
    show(titled);
    show(fig("second"), { imageWidth: 400 });
    const seconds = (Date.now() - started) / 1000;
    expect(bundles).toHaveLength(3); // the plotly.js loader, then one output per figure
    expect(bundles[0].data["text/html"]).toContain("DecompressionStream");
    for (const b of bundles.slice(1)) {
      expect(Object.keys(b.data).sort()).toEqual([PLOTLY_MIME, "image/png", "text/html", "text/plain"]);
      const html = b.data["text/html"] as string;
      const png = b.data["image/png"] as string;
      // the static image sits inside the figure's div (replaced by the plot when the script runs)
      expect(html).toMatch(/<div [^>]*data-mflab-figure="mflab-\d+-[0-9a-f]{10}"[^>]*><img class="mflab-static-image" src="data:image\/png;base64,/);
      expect(html).toContain(`src="data:image/png;base64,${png}"`);
      expect(html).toContain("Plotly.newPlot");
      const plotly = b.data[PLOTLY_MIME] as { data: unknown[]; layout: Record<string, unknown> };
      expect(Array.isArray(plotly.data)).toBe(true);
      expect(typeof plotly.layout).toBe("object");
      expect(JSON.parse(JSON.stringify(plotly))).toEqual(plotly); // plain JSON
    }
    expect(pngSize(bundles[1].data["image/png"] as string)).toEqual([900, 300]);
    expect(bundles[1].metadata["image/png"]).toEqual({ width: 900, height: 300 });
    expect(pngSize(bundles[2].data["image/png"] as string)).toEqual([400, 320]);
    expect(bundles[1].data["text/plain"]).toBe("[figure: Test RMSE — d = 5 · λ = 0.1 — interactive in a trusted notebook; static image attached]");
    expect(bundles[2].data["text/plain"]).toBe("[figure: untitled — interactive in a trusted notebook; static image attached]");
    console.log(`2 figures with static images in ${seconds.toFixed(2)} s (the first starts Chromium)`);
  });

  it("turns the image off by option or MFLAB_STATIC_IMAGE, and says so", () => {
    const off = figureDisplayBundle(titled, { staticImage: false });
    expect(Object.keys(off.bundle.data).sort()).toEqual([PLOTLY_MIME, "text/html", "text/plain"]);
    expect(off.bundle.data["text/plain"]).toContain("static image off (staticImage: false)");
    expect(off.bundle.data["text/html"]).not.toContain("<img");
    const saved = process.env.MFLAB_STATIC_IMAGE;
    process.env.MFLAB_STATIC_IMAGE = "0";
    try {
      expect(figureDisplayBundle(titled).bundle.data["text/plain"]).toContain("static image off (MFLAB_STATIC_IMAGE)");
    } finally {
      if (saved === undefined) delete process.env.MFLAB_STATIC_IMAGE;
      else process.env.MFLAB_STATIC_IMAGE = saved;
    }
  });

  it("without Chromium the figure still shows (HTML + plotly JSON) and the text line says the image is absent", () => {
    const saved = process.env.MFLAB_CHROMIUM;
    process.env.MFLAB_CHROMIUM = "/nonexistent/chromium";
    resetStaticRenderer();
    try {
      const bundles: MimeBundle[] = [];
      setDisplayHandler((_html, bundle) => bundles.push(bundle));
      expect(() => show(titled)).not.toThrow();
      const b = bundles[1];
      expect(Object.keys(b.data).sort()).toEqual([PLOTLY_MIME, "text/html", "text/plain"]);
      expect(b.data["text/plain"]).toBe(
        "[figure: Test RMSE — d = 5 · λ = 0.1 — interactive in a trusted notebook; no static image: Chromium not found at " +
          "/nonexistent/chromium (apt-get install -y chromium, or set MFLAB_CHROMIUM)]",
      );
    } finally {
      if (saved === undefined) delete process.env.MFLAB_CHROMIUM;
      else process.env.MFLAB_CHROMIUM = saved;
      resetStaticRenderer();
    }
  });

  it("titles: plain text of the layout title", () => {
    expect(figureTitle({ data: [], layout: { title: "a <b>b</b>" } })).toBe("a b");
    expect(figureTitle({ data: [], layout: {} })).toBe("untitled");
  });
});
