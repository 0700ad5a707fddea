import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { describe, expect, it } from "vitest";
import { plotlyBundleGzipBase64, plotlyBundlePath, plotlyBundleSource } from "../../src/plot/bundle";
import { decodeDataUrl, escapeHtml, figureToHtml, isLocalUrl, jsonForScript, writeFigureHtml } from "../../src/plot/export";
import { assignmentGridFigure, heatmapFigure, type Figure } from "../../src/plot/figures";
import { fixtureResults } from "./fixture";

const EVIL = `</script><script>alert(1)</script> "quoted" & 'single' \u2028`;

function evilFigure(): Figure {
  return {
    data: [{ type: "scatter", name: EVIL, x: [1, 2], y: [3, 4], text: ["<!--", "<script>"] }],
    layout: { title: { text: EVIL } },
  };
}

/** Count non-overlapping occurrences. */
function count(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

describe("escapeHtml / jsonForScript", () => {
  it("escapes the five HTML specials", () => {
    expect(escapeHtml(`<a href="x">Tom & 'Jerry'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;");
  });

  it("embeds JSON that cannot close a script element and still parses to the same value", () => {
    const value = { name: EVIL, list: ["<!--", "-->", "\u2029"] };
    const s = jsonForScript(value);
    expect(s).not.toMatch(/[<>&\u2028\u2029]/);
    expect(s).toContain("\\u003c/script\\u003e");
    expect(JSON.parse(s)).toEqual(value);
    expect(new Function(`return ${s};`)()).toEqual(value);
    expect(jsonForScript({ x: NaN })).toBe('{"x":null}');
  });
});

describe("figureToHtml", () => {
  const html = figureToHtml([evilFigure(), heatmapFigure(fixtureResults(), { metric: "test.mse" })], { title: EVIL, description: "<b>d</b>" });

  it("escapes the title and keeps figure text inside the JSON: exactly two script elements", () => {
    expect(count(html.toLowerCase(), "<script")).toBe(2);
    expect(count(html.toLowerCase(), "</script")).toBe(2);
    expect(html).toContain("<title>&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; &quot;quoted&quot; &amp; &#39;single&#39; \u2028</title>");
    expect(html).toContain("<h1>&lt;/script&gt;");
    expect(html).toContain(`<p class="mflab-description">&lt;b&gt;d&lt;/b&gt;</p>`);
    expect(html).not.toContain("<!--");
    expect(html).not.toContain("alert(1)</script>");
  });

  it("inlines plotly.js once for several figures, with one div each, and loads nothing from the network", () => {
    expect(count(html, `class="mflab-figure"`)).toBe(2);
    expect(html).toContain(`id="mflab-figure-1"`);
    expect(html).toContain(`id="mflab-figure-2"`);
    expect(count(html, "plotly.js v3.")).toBe(1);
    expect(html.length).toBeGreaterThan(plotlyBundleSource().length);
    expect(html.length).toBeLessThan(plotlyBundleSource().length + 100_000);
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link/i);
    expect(html).toMatch(/Content-Security-Policy" content="default-src 'none';/);
  });

  it("gives the layout height to the div and is deterministic", () => {
    const grid = assignmentGridFigure(fixtureResults());
    const a = figureToHtml(grid, { title: "t" });
    expect(a).toContain(`style="width:100%;height:${grid.layout.height}px;"`);
    expect(figureToHtml(grid, { title: "t" })).toBe(a);
    expect(() => figureToHtml([])).toThrow(/no figures/);
  });

  it("writes the file, creating folders", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mflab-html-"));
    const file = path.join(dir, "a", "b", "fig.html");
    const bytes = writeFigureHtml(file, evilFigure(), { title: "x", bundle: "gzip" });
    expect(fs.statSync(file).size).toBe(bytes);
    // the gzip variant carries the base64 bundle instead of the plain one
    expect(bytes).toBeLessThan(plotlyBundleSource().length * 0.6);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe("plotly bundle", () => {
  it("prefers the minified vendor copy and round-trips through gzip+base64", () => {
    const p = plotlyBundlePath();
    const vendored = fs.existsSync(path.resolve(__dirname, "../../dist/vendor/plotly.min.js"));
    if (vendored) expect(p.endsWith(path.join("dist", "vendor", "plotly.min.js"))).toBe(true);
    else console.warn("dist/vendor/plotly.min.js missing (run node scripts/vendor-plotly.js): using the unminified bundle");
    const src = plotlyBundleSource();
    const b64 = plotlyBundleGzipBase64();
    expect(zlib.gunzipSync(Buffer.from(b64, "base64")).toString("utf8")).toBe(src);
    console.log(`plotly bundle ${(src.length / 1e6).toFixed(2)} MB, gzip+base64 ${(b64.length / 1e6).toFixed(2)} MB`);
  });
});

describe("helpers", () => {
  it("decodes base64 and percent-encoded data URLs", () => {
    expect(decodeDataUrl("data:image/png;base64,iVBORw==").toString("hex")).toBe("89504e47");
    expect(decodeDataUrl("data:image/svg+xml,%3Csvg%3E%3C%2Fsvg%3E").toString()).toBe("<svg></svg>");
    expect(() => decodeDataUrl("http://x")).toThrow(/expected a data: URL/);
  });

  it("accepts only local URLs", () => {
    expect(["file:///a", "data:x", "about:blank", "blob:null/1"].every(isLocalUrl)).toBe(true);
    expect(["http://localhost/", "https://cdn.plot.ly/x.js", "ws://a"].some(isLocalUrl)).toBe(false);
  });
});
