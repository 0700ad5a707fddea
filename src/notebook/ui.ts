/**
 * `mf.ui(folder)` in a notebook: the `mflab ui` browser (../ui/server.ts) started inside the kernel process, on
 * 127.0.0.1 and a free port, and shown in the cell as an iframe (through the kernel's display, as ./display.ts
 * shows figures). The server lives as long as the kernel (or until `close()`); calling `ui` again with the same
 * folders shows the same server again.
 */
import { escapeHtml } from "../plot/html";
import { startUiServer, type UiServer } from "../ui/server";
import { liveOutput } from "./display";

export interface NotebookUiOptions {
  /** Port to listen on (default: any free port). */
  port?: number;
  /** Height of the iframe in px (default 800). */
  height?: number;
}

/** The running browser: its URL and how to stop it. */
export interface NotebookUi {
  url: string;
  close(): Promise<void>;
}

const SERVERS_KEY = Symbol.for("mflab.notebook.ui");

function servers(): Map<string, UiServer> {
  const g = globalThis as unknown as Record<symbol, Map<string, UiServer> | undefined>;
  return (g[SERVERS_KEY] ??= new Map());
}

/** The iframe that shows the browser at `url` in a notebook output. */
export function uiFrameHtml(url: string, height = 800): string {
  return (
    `<iframe class="mflab-ui" src="${escapeHtml(url)}" title="mflab ui" width="100%" height="${Math.round(height)}" ` +
    `style="border:1px solid #ddd;border-radius:4px;"></iframe>\n<div style="font-size:12px;color:#666;">mflab ui: <code>${escapeHtml(url)}</code></div>`
  );
}

/**
 * Start (or reuse) the experiment browser over `folders` (default "results") and show it in the current cell.
 * Outside a notebook it only prints the URL.
 * @throws InputError for a folder that does not exist or a port in use
 */
export async function ui(folders: string | readonly string[] = "results", options: NotebookUiOptions = {}): Promise<NotebookUi> {
  const list = typeof folders === "string" ? [folders] : [...folders];
  const key = JSON.stringify([list, options.port ?? 0]);
  let server = servers().get(key);
  if (!server) {
    server = await startUiServer({ folders: list, port: options.port ?? 0 });
    servers().set(key, server);
  }
  const running = server;
  liveOutput(() => console.log(`mflab ui: ${running.url}`))(uiFrameHtml(running.url, options.height));
  return {
    url: running.url,
    close: async () => {
      servers().delete(key);
      await running.close();
    },
  };
}
