/**
 * Static PNG images of figures, rendered synchronously — for notebook outputs, where `show()` is synchronous.
 *
 * How: one worker thread per process keeps one headless Chromium (playwright-core, the executable of
 * {@link chromiumPath}: Debian's `/usr/bin/chromium` unless `MFLAB_CHROMIUM` says otherwise) with one page that
 * has plotly.js loaded. {@link renderFigurePngSync} posts the figure to the worker and blocks the calling thread
 * with `Atomics.wait` on a SharedArrayBuffer until the worker has drawn it (`Plotly.toImage`) and posted the
 * PNG back; the reply is taken with `receiveMessageOnPort`. The first image pays for starting Chromium and
 * loading plotly.js (about 1–3 s); later ones take a fraction of a second each. The worker and Chromium do
 * not keep the process alive; the browser profile is a fresh temp folder (`mflab-chromium-profile-<pid>-…`), removed
 * when the process exits (or, if it was killed, by the next renderer that starts).
 *
 * The page loads nothing from the network: every non-local request is aborted, and plotly.js comes from the
 * vendored bundle (./bundle). Rendering never throws: a missing Chromium or playwright-core, a timeout or a
 * plotly error gives `{error}` with the reason, and a missing Chromium is remembered so later figures do not
 * retry it.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";
import { plotlyBundlePath } from "./bundle";
import { CHROMIUM_ARGS, chromiumPath } from "./export";
import type { Figure } from "./figures";
import { withDefaultConfig } from "./html";

export interface StaticImageOptions {
  /** Image width in CSS px (default: the layout's width, else 900). */
  width?: number;
  /** Image height in CSS px (default: the layout's height, else 450). */
  height?: number;
  /** Pixel ratio (default 1). */
  scale?: number;
  /** Milliseconds to wait for one image (default 60 000 for the first, which starts Chromium; 20 000 after). */
  timeoutMs?: number;
}

export type StaticImageResult =
  | { png: Buffer; width: number; height: number; ms: number; error?: undefined }
  | { png?: undefined; error: string; ms: number };

interface Renderer {
  worker: Worker;
  port: MessagePort;
  flag: Int32Array;
  profile: string;
  next: number;
  started: boolean;
}

interface RendererState {
  renderer?: Renderer;
  /** A reason that will not go away in this process (Chromium or playwright-core missing). */
  unavailable?: string;
  exitHook?: boolean;
  profiles: Set<string>;
}

const STATE_KEY = Symbol.for("mflab.plot.staticImage");

function state(): RendererState {
  const g = globalThis as unknown as Record<symbol, RendererState | undefined>;
  return (g[STATE_KEY] ??= { profiles: new Set() });
}

/** Code of the worker thread (plain JavaScript, so it runs the same from src/ under vitest and from dist/). */
const WORKER_SOURCE = String.raw`
const { workerData } = require("node:worker_threads");
const { port, flag, playwrightPath, executablePath, args, plotlyPath, profile } = workerData;
const flags = new Int32Array(flag);
let pagePromise;
function page() {
  if (!pagePromise) {
    pagePromise = (async () => {
      const playwright = require(playwrightPath);
      const context = await playwright.chromium.launchPersistentContext(profile, { executablePath, args, headless: true, handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false, viewport: { width: 1200, height: 900 } });
      const p = context.pages()[0] || (await context.newPage());
      await p.route("**/*", (route) => (/^(file|data|blob|about):/i.test(route.request().url()) ? route.continue() : route.abort()));
      await p.setContent("<!DOCTYPE html><html><head><meta charset='utf-8'></head><body></body></html>");
      await p.addScriptTag({ content: "(function (define, module, exports) {\n" + require("node:fs").readFileSync(plotlyPath, "utf8") + "\n}).call(window);" });
      return p;
    })();
  }
  return pagePromise;
}
function reply(message) {
  port.postMessage(message);
  Atomics.store(flags, 0, 1);
  Atomics.notify(flags, 0);
}
port.on("message", async (req) => {
  const started = Date.now();
  try {
    const p = await page();
    if (req.warm) return reply({ id: req.id, warm: true, ms: Date.now() - started });
    const url = await p.evaluate(async (r) => {
      return await window.Plotly.toImage({ data: r.figure.data, layout: r.figure.layout, config: { staticPlot: true } },
        { format: "png", width: r.width, height: r.height, scale: r.scale });
    }, req);
    const m = /^data:image\/png;base64,(.*)$/s.exec(url);
    if (!m) throw new Error("Plotly.toImage did not return a PNG data URL");
    reply({ id: req.id, png: Buffer.from(m[1], "base64"), ms: Date.now() - started });
  } catch (e) {
    reply({ id: req.id, error: String((e && e.message) || e).split("\n")[0], ms: Date.now() - started });
  }
});
`;

function unavailableReason(): string | undefined {
  const exe = chromiumPath();
  if (!fs.existsSync(exe)) return `Chromium not found at ${exe} (apt-get install -y chromium, or set MFLAB_CHROMIUM)`;
  try {
    require.resolve("playwright-core");
  } catch {
    return "the playwright-core package is not installed";
  }
  return undefined;
}

const PROFILE_PREFIX = "mflab-chromium-profile-";

/** Remove browser profiles left by processes that died without their exit hook (killed kernels, test workers). */
function removeStaleProfiles(): void {
  let names: string[] = [];
  try {
    names = fs.readdirSync(os.tmpdir());
  } catch {
    return;
  }
  for (const name of names) {
    const m = new RegExp(`^${PROFILE_PREFIX}(\\d+)-`).exec(name);
    if (!m || Number(m[1]) === process.pid) continue;
    try {
      process.kill(Number(m[1]), 0); // alive (or not ours to signal): keep
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ESRCH") continue;
      try {
        fs.rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
      } catch {
        // another process is removing it too
      }
    }
  }
}

function startRenderer(st: RendererState): Renderer {
  removeStaleProfiles();
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), `${PROFILE_PREFIX}${process.pid}-`));
  st.profiles.add(profile);
  if (!st.exitHook) {
    st.exitHook = true;
    // Synchronous cleanup only: the worker (and with its pipe, Chromium) ends with the process.
    process.once("exit", () => {
      for (const dir of st.profiles) {
        try {
          fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3, retryDelay: 50 });
        } catch {
          // Chromium may still be writing while it goes down: best effort (the folder is in the temp dir)
        }
      }
    });
  }
  const { port1, port2 } = new MessageChannel();
  const sab = new SharedArrayBuffer(4);
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      port: port2,
      flag: sab,
      playwrightPath: require.resolve("playwright-core"),
      executablePath: chromiumPath(),
      args: [...CHROMIUM_ARGS],
      plotlyPath: plotlyBundlePath(),
      profile,
    },
    transferList: [port2],
    stdout: true,
    stderr: true,
  });
  worker.unref();
  port1.unref();
  worker.on("error", () => {
    // reported through the timeout of the pending request; the next request starts a new worker
    if (st.renderer?.worker === worker) st.renderer = undefined;
  });
  return { worker, port: port1, flag: new Int32Array(sab), profile, next: 0, started: false };
}

function stopRenderer(st: RendererState): void {
  const r = st.renderer;
  st.renderer = undefined;
  if (!r) return;
  void r.worker.terminate();
  r.port.close();
}

/** Size of the static image of `figure`: options, else the layout's numeric width/height, else 900 × 450. */
export function staticImageSize(figure: Figure, options: StaticImageOptions = {}): { width: number; height: number } {
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) && v > 0 ? Math.round(v) : undefined);
  return {
    width: num(options.width) ?? num(figure.layout?.width) ?? 900,
    height: num(options.height) ?? num(figure.layout?.height) ?? 450,
  };
}

/**
 * Render `figure` as PNG, synchronously (see the module doc). Never throws: failures come back as `{error}`.
 */
export function renderFigurePngSync(figure: Figure, options: StaticImageOptions = {}): StaticImageResult {
  const started = Date.now();
  const st = state();
  if (st.unavailable === undefined) st.unavailable = unavailableReason();
  if (st.unavailable) return { error: st.unavailable, ms: 0 };
  const { width, height } = staticImageSize(figure, options);
  const scale = options.scale ?? 1;
  try {
    st.renderer ??= startRenderer(st);
    const r = st.renderer;
    const timeout = options.timeoutMs ?? (r.started ? 20_000 : 60_000);
    const id = ++r.next;
    const f = withDefaultConfig(figure);
    r.port.postMessage({ id, figure: { data: f.data, layout: { ...f.layout, width, height } }, width, height, scale });
    const deadline = started + timeout;
    for (;;) {
      // Reset the flag before looking at the queue: a reply posted after the look sets it again, so the wait
      // below returns at once instead of missing it.
      Atomics.store(r.flag, 0, 0);
      const got = receiveMessageOnPort(r.port)?.message as { id: number; png?: Uint8Array; error?: string } | undefined;
      if (got !== undefined) {
        if (got.id !== id) continue; // a late answer to a request that timed out
        r.started = true;
        if (got.error !== undefined || !got.png) return { error: got.error ?? "no image", ms: Date.now() - started };
        return { png: Buffer.from(got.png), width, height, ms: Date.now() - started };
      }
      const left = deadline - Date.now();
      if (left <= 0 || Atomics.wait(r.flag, 0, 0, left) === "timed-out") {
        stopRenderer(st);
        return { error: `no image after ${(timeout / 1000).toFixed(0)} s (Chromium too slow or stuck)`, ms: Date.now() - started };
      }
    }
  } catch (e) {
    stopRenderer(st);
    return { error: (e as Error).message, ms: Date.now() - started };
  }
}

/**
 * Start Chromium and load plotly.js in the background now (returns at once), so that the first
 * {@link renderFigurePngSync} does not wait for it. Does nothing when Chromium is missing or already started.
 */
export function warmStaticRenderer(): void {
  const st = state();
  if (st.unavailable === undefined) st.unavailable = unavailableReason();
  if (st.unavailable || st.renderer) return;
  try {
    st.renderer = startRenderer(st);
    st.renderer.port.postMessage({ id: 0, warm: true });
  } catch {
    stopRenderer(st);
  }
}

/** End the renderer's worker and Chromium now (they also end with the process). */
export function closeStaticRenderer(): void {
  stopRenderer(state());
}

/** Forget a remembered "Chromium is missing" (after installing it, or changing MFLAB_CHROMIUM). */
export function resetStaticRenderer(): void {
  const st = state();
  stopRenderer(st);
  st.unavailable = undefined;
}
