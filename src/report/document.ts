/**
 * A tiny document model for reports: a list of blocks holding plain text (never markup), rendered to a
 * self-contained HTML page or to Markdown. Every text is escaped by the renderer, so data strings (dataset
 * names, titles, parameter values) cannot inject markup.
 *
 * HTML: one `<div class="mflab-figure">` per figure block; plotly.js is inlined once at the end of the page
 * (offline, no CDN; Content-Security-Policy without network sources), then one script draws every figure and
 * resolves `window.__mflabReady` when all are drawn. Markdown: figure blocks reference an image file (written
 * next to the report by ./write.ts) or print a note in their place.
 */
import { markdownTable } from "../core/table";
import type { BundleMode } from "../plot/bundle";
import { EXPORT_CSP } from "../plot/export";
import type { Figure } from "../plot/figures";
import { escapeHtml, figureBoxStyle, figurePageScripts } from "../plot/html";

export type Block =
  | { type: "heading"; level: 1 | 2 | 3; text: string }
  | { type: "paragraph"; text: string }
  | { type: "warning"; text: string }
  | { type: "list"; items: string[] /** Numbered (1., 2., …) instead of bullets. */; ordered?: boolean }
  /** Term → description pairs. */
  | { type: "facts"; items: [string, string][] }
  | {
      type: "table";
      header: string[];
      rows: string[][] /** Right-align these columns (numbers). */;
      numeric?: boolean[] /** Highlight these row indices. */;
      highlight?: number[];
    }
  | { type: "code"; text: string }
  | {
      type: "figure";
      figure: Figure;
      caption: string /** Markdown: image path relative to the report. */;
      image?: string /** Markdown without image: why. */;
      missing?: string;
    };

export interface RenderHtmlOptions {
  title: string;
  /** How plotly.js travels (default "inline": plain script, works in every browser). */
  bundle?: BundleMode;
}

const STYLE = `body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 24px auto; max-width: 1100px; padding: 0 24px; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; margin: 0 0 12px; } h2 { font-size: 1.25em; margin: 28px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; } h3 { font-size: 1.05em; margin: 18px 0 6px; }
table { border-collapse: collapse; font-size: 0.9em; margin: 8px 0 16px; } th, td { border: 1px solid #ddd; padding: 3px 8px; } th { background: #f4f4f4; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; } tr.highlight td { background: #fff6d5; font-weight: 600; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: 2px 16px; margin: 8px 0 16px; } dl.facts dt { color: #555; } dl.facts dd { margin: 0; }
p.warning { background: #fdecea; border-left: 4px solid #c62828; padding: 8px 12px; }
pre { background: #f6f8fa; padding: 8px 12px; overflow-x: auto; font-size: 0.85em; }
.mflab-figure { margin: 8px 0 4px; } p.caption { color: #555; font-size: 0.9em; margin: 0 0 20px; }`;

/** The blocks as a standalone HTML document (see module doc). Deterministic: same blocks, same bytes. */
export function renderHtml(blocks: readonly Block[], options: RenderHtmlOptions): string {
  const figures: Figure[] = [];
  const body = blocks.map((b) => {
    switch (b.type) {
      case "heading":
        return `<h${b.level}>${escapeHtml(b.text)}</h${b.level}>`;
      case "paragraph":
        return `<p>${escapeHtml(b.text)}</p>`;
      case "warning":
        return `<p class="warning">${escapeHtml(b.text)}</p>`;
      case "list": {
        const tag = b.ordered ? "ol" : "ul";
        return `<${tag}>\n${b.items.map((i) => `<li>${escapeHtml(i)}</li>`).join("\n")}\n</${tag}>`;
      }
      case "facts":
        return `<dl class="facts">\n${b.items.map(([t, d]) => `<dt>${escapeHtml(t)}</dt><dd>${escapeHtml(d)}</dd>`).join("\n")}\n</dl>`;
      case "table": {
        const head = `<tr>${b.header.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr>`;
        const rows = b.rows.map(
          (row, r) =>
            `<tr${b.highlight?.includes(r) ? ' class="highlight"' : ""}>${row.map((c, k) => `<td${b.numeric?.[k] ? ' class="num"' : ""}>${escapeHtml(c)}</td>`).join("")}</tr>`,
        );
        return `<table>\n<thead>${head}</thead>\n<tbody>\n${rows.join("\n")}\n</tbody>\n</table>`;
      }
      case "code":
        return `<pre>${escapeHtml(b.text)}</pre>`;
      case "figure": {
        figures.push(b.figure);
        const k = figures.length;
        return `<div id="mflab-figure-${k}" class="mflab-figure" style="${figureBoxStyle(b.figure, 500)}"></div>\n<p class="caption">${escapeHtml(b.caption)}</p>`;
      }
    }
  });
  const scripts =
    figures.length === 0 ? "<script>window.__mflabReady = Promise.resolve([]);</script>\n" : figurePageScripts(figures, options.bundle ?? "inline");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${EXPORT_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="mflab report">
<title>${escapeHtml(options.title)}</title>
<style>
${STYLE}
</style>
</head>
<body>
${body.join("\n")}
${scripts}</body>
</html>
`;
}

/**
 * Markdown-safe text: Markdown punctuation backslash-escaped, then `&`, `<`, `>` as HTML entities (Markdown
 * renderers pass raw HTML through), so a dataset named `<script>` or `*x*` shows literally. Newlines become spaces.
 */
export function escapeMarkdown(s: string): string {
  return String(s)
    .replace(/([\\`*_[\]|#~])/g, "\\$1")
    .replace(/[&<>]/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : "&gt;"))
    .replace(/\r?\n/g, " ");
}

/** The blocks as GitHub-flavoured Markdown. */
export function renderMarkdown(blocks: readonly Block[]): string {
  const out: string[] = [];
  for (const b of blocks) {
    switch (b.type) {
      case "heading":
        out.push(`${"#".repeat(b.level)} ${escapeMarkdown(b.text)}`);
        break;
      case "paragraph":
        out.push(escapeMarkdown(b.text));
        break;
      case "warning":
        out.push(`> **Warning:** ${escapeMarkdown(b.text)}`);
        break;
      case "list":
        out.push(b.items.map((i, k) => `${b.ordered ? `${k + 1}.` : "-"} ${escapeMarkdown(i)}`).join("\n"));
        break;
      case "facts":
        out.push(b.items.map(([t, d]) => `- **${escapeMarkdown(t)}:** ${escapeMarkdown(d)}`).join("\n"));
        break;
      case "table": {
        const columns = b.header.map((h, k) => ({ header: escapeMarkdown(h), align: b.numeric?.[k] ? ("right" as const) : ("left" as const) }));
        const cells = (row: string[], bold: boolean) => row.map((c) => (bold && c !== "" ? `**${escapeMarkdown(c)}**` : escapeMarkdown(c)));
        out.push(
          markdownTable(
            columns,
            b.rows.map((r, k) => cells(r, b.highlight?.includes(k) === true)),
          ),
        );
        break;
      }
      case "code": {
        const fence = b.text.includes("```") ? "~~~~" : "```";
        out.push(`${fence}\n${b.text}\n${fence}`);
        break;
      }
      case "figure":
        if (b.image)
          out.push(
            `![${escapeMarkdown(b.caption)}](${encodeURI(b.image).replace(/[()]/g, (c) => (c === "(" ? "%28" : "%29"))})\n\n*${escapeMarkdown(b.caption)}*`,
          );
        else out.push(`*Figure not included — ${escapeMarkdown(b.caption)}: ${escapeMarkdown(b.missing ?? "no image exported")}*`);
        break;
    }
  }
  return `${out.join("\n\n")}\n`;
}
