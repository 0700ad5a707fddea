/**
 * The `mflab ui` server: a read-only local web app over the results files under some folders, on `node:http`
 * (no framework: eight routes).
 *
 * Routes (GET and HEAD only; anything else is 405):
 * - `/` the page (`index.html`), `/app.js` (web/, bundled by esbuild at build time), `/app.css`, and
 *   `/plotly.js`, the vendored offline plotly bundle (../plot/bundle.ts) — nothing is fetched from elsewhere.
 * - `/api/experiments` the list ({@link ExperimentList}); `/api/experiment?id=…`, `/api/run?id=…&run=…`,
 *   `/api/compare?a=…&b=…` or `/api/compare?pick=<id>|<run>&pick=…` the pages' data (./views.ts).
 * - `/api/events` server-sent events: `changed` with the ids of files that appeared, changed or went away, within
 *   about a second of the write (fs.watch on each folder, plus a `pollMs` re-walk in case a watch misses one).
 *
 * Safe by default:
 * - Listens on 127.0.0.1 unless a host is given; then every request needs the token printed at start (`?token=`
 *   once, which sets a same-site, HTTP-only cookie and redirects to a URL without it). Without a token, requests
 *   must name a loopback Host (127.0.0.1, localhost, [::1]), so a web page cannot reach the server through DNS
 *   rebinding.
 * - Read-only: no route writes, deletes or runs anything.
 * - Only files found under the folders can be asked for, by the id the walk gave them (./catalog.ts); a path or
 *   id with a `..` segment, a backslash or a NUL is refused (400/403) before anything is looked up.
 * - The page builds its DOM with text nodes only, and every response carries a Content-Security-Policy that
 *   allows scripts from this server's own files only (`script-src 'self'`: no inline script, no eval), no
 *   connections elsewhere, no framing of other content, no plugins.
 */
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { AddressInfo } from "node:net";
import { InputError } from "../core/errors";
import { plotlyBundlePath } from "../plot/bundle";
import { Catalog } from "./catalog";
import type { ChangedEvent, ExperimentList } from "./protocol";
import { compareExperiments, compareRuns, experimentDetail, NotFound, runDetail } from "./views";

export interface UiServerOptions {
  /** Folders whose results files are served (default ["results"]). */
  folders?: readonly string[];
  /** Port (default 8765; 0 = any free port). */
  port?: number;
  /** Address to listen on (default "127.0.0.1"). */
  host?: string;
  /** Require a token on every request: true = a random one, a string = that one (default: required iff `host` is given). */
  token?: boolean | string;
  /** Re-walk the folders this often, in ms, besides watching them (default 1000). */
  pollMs?: number;
  /** Folder that relative folders and shown file names are relative to (default the current directory). */
  cwd?: string;
}

export interface UiServer {
  /** The URL to open (with `?token=…` when a token is required). */
  url: string;
  port: number;
  host: string;
  token: string | null;
  catalog: Catalog;
  /** Stop listening, end the event streams, stop watching. */
  close(): Promise<void>;
}

/** The CSP of every response (see the module doc). plotly needs inline styles; scripts come only from this server. */
export const UI_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; " +
  "connect-src 'self'; base-uri 'none'; form-action 'none'; object-src 'none'";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/** Where the built page is: dist/ui/web (next to this file once built; from src/ui under tests, the repository's dist). */
export function webAssetsDir(): string {
  const candidates = [path.join(__dirname, "web"), path.join(__dirname, "../../dist/ui/web")];
  for (const c of candidates) if (fs.existsSync(path.join(c, "app.js"))) return c;
  throw new InputError("the ui page is not built: run `npm run build` (scripts/build-ui.js bundles web/ into dist/ui/web)");
}

/** True when `p` (a decoded URL path or an id) tries to leave its folder: a `..` segment, a backslash, a NUL, or an absolute path. */
export function refusedPath(p: string): boolean {
  return p.includes("\0") || p.includes("\\") || p.split("/").some((seg) => seg === "..") || /^[A-Za-z]:/.test(p);
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Start the server (see the module doc). Resolves once it listens.
 * @throws InputError for a folder that does not exist, a port in use, or a page that is not built
 */
export async function startUiServer(options: UiServerOptions = {}): Promise<UiServer> {
  const host = options.host ?? "127.0.0.1";
  const tokenOption = options.token ?? options.host !== undefined;
  const token = tokenOption === false ? null : typeof tokenOption === "string" ? tokenOption : randomBytes(18).toString("base64url");
  const catalog = new Catalog(options.folders && options.folders.length > 0 ? options.folders : ["results"], options.cwd);
  const assets = webAssetsDir();
  const files = {
    "/": { file: path.join(assets, "index.html"), type: "text/html; charset=utf-8" },
    "/app.js": { file: path.join(assets, "app.js"), type: "text/javascript; charset=utf-8" },
    "/app.css": { file: path.join(assets, "app.css"), type: "text/css; charset=utf-8" },
    "/plotly.js": { file: plotlyBundlePath(), type: "text/javascript; charset=utf-8" },
  } as Record<string, { file: string; type: string }>;
  const cache = new Map<string, { raw: Buffer; gz: Buffer }>();
  const asset = (route: string) => {
    let hit = cache.get(route);
    if (!hit) {
      const raw = fs.readFileSync(files[route].file);
      hit = { raw, gz: zlib.gzipSync(raw, { level: 6 }) };
      cache.set(route, hit);
    }
    return hit;
  };
  catalog.refresh();

  const clients = new Set<http.ServerResponse>();
  const views = new Map<string, { signature: string; body: string }>();
  let port = 0;
  const cookieName = () => `mflab_token_${port}`;

  const broadcast = (changed: string[]) => {
    if (changed.length === 0) return;
    for (const id of changed) for (const key of views.keys()) if (key.includes(JSON.stringify(id))) views.delete(key);
    const event: ChangedEvent = { ids: changed };
    for (const res of clients) res.write(`event: changed\ndata: ${JSON.stringify(event)}\n\n`);
  };
  // The full check of new or changed files (./catalog.ts), one file per turn of the event loop, so requests are
  // answered in between; a file that fails it becomes an error row (a changed event).
  let checking = false;
  let closed = false;
  const checkInBackground = () => {
    if (checking || catalog.pending() === 0) return;
    checking = true;
    const step = () => {
      if (closed) return;
      let outcome: string | undefined | null;
      try {
        outcome = catalog.checkNext();
      } catch (e) {
        process.stderr.write(`mflab ui: could not check a file: ${(e as Error).message}\n`);
        outcome = null;
      }
      if (typeof outcome === "string") broadcast([outcome]);
      if (outcome === null) checking = false;
      else setImmediate(step);
    };
    setImmediate(step);
  };
  const refresh = () => {
    try {
      broadcast(catalog.refresh().changed);
      watchFolders();
      checkInBackground();
    } catch (e) {
      process.stderr.write(`mflab ui: could not re-read the folders: ${(e as Error).message}\n`);
    }
  };
  let scheduled: NodeJS.Timeout | undefined;
  const soon = () => {
    if (scheduled) return;
    scheduled = setTimeout(() => {
      scheduled = undefined;
      refresh();
    }, 100);
  };
  // One non-recursive watcher per folder the walk went through, kept in step with the folders after every walk.
  // Not `recursive: true`: on Linux, Node 20's recursive watcher misses a file replaced by rename (the way every
  // results file is saved): measured, 4 events for 5 temp-file + rename saves, the later ones reported late or not
  // at all, while a plain watcher on the folder reports every one.
  const watchers = new Map<string, fs.FSWatcher>();
  const watchFolders = () => {
    const now = new Set(catalog.folders());
    for (const [dir, w] of watchers)
      if (!now.has(dir)) {
        w.close();
        watchers.delete(dir);
      }
    for (const dir of now) {
      if (watchers.has(dir) || closed) continue;
      try {
        const w = fs.watch(dir, soon);
        w.on("error", () => {
          w.close();
          watchers.delete(dir); // the next walk watches it again if it still exists
        });
        watchers.set(dir, w);
      } catch {
        // polling alone keeps this folder current
      }
    }
  };
  watchFolders();
  checkInBackground();
  const poll = setInterval(refresh, options.pollMs ?? 1000);
  const heartbeat = setInterval(() => {
    for (const res of clients) res.write(": keep-alive\n\n");
  }, 15_000);

  const authorized = (req: http.IncomingMessage, url: URL): "ok" | "query" | "no" => {
    if (token === null) return "ok";
    const given = url.searchParams.get("token");
    if (given !== null && same(given, token)) return "query";
    const cookie = (req.headers.cookie ?? "")
      .split(";")
      .map((c) => c.trim())
      .find((c) => c.startsWith(`${cookieName()}=`));
    return cookie !== undefined && same(cookie.slice(cookieName().length + 1), token) ? "ok" : "no";
  };

  const json = (req: http.IncomingMessage, res: http.ServerResponse, key: string | null, build: () => unknown) => {
    let body: string;
    const hit = key !== null ? views.get(key) : undefined;
    const signature = key !== null ? signatureOf(catalog, key) : "";
    if (hit && hit.signature === signature) body = hit.body;
    else {
      body = JSON.stringify(build(), (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v));
      if (key !== null) views.set(key, { signature, body });
    }
    send(req, res, 200, "application/json; charset=utf-8", Buffer.from(body), { "Cache-Control": "no-store" });
  };

  const handle = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const raw = req.url ?? "/";
    if (req.method !== "GET" && req.method !== "HEAD") throw new HttpError(405, "read-only: only GET and HEAD are served");
    if (token === null) {
      const hostname = hostOf(req.headers.host);
      if (!LOOPBACK.has(hostname)) throw new HttpError(403, `refused: this server answers only to 127.0.0.1, localhost or [::1], not "${hostname}"`);
    }
    const rawPath = raw.split("?")[0];
    let pathname: string;
    try {
      pathname = decodeURIComponent(rawPath);
    } catch {
      throw new HttpError(400, "refused: malformed path");
    }
    if (refusedPath(pathname) || refusedPath(rawPath)) throw new HttpError(400, "refused: paths may not leave the served folders");
    const url = new URL(raw, "http://localhost");
    const auth = authorized(req, url);
    if (auth === "no") throw new HttpError(401, "a token is required: open the URL that mflab ui printed (…/?token=…)");
    if (auth === "query" && pathname === "/") {
      res.writeHead(302, {
        Location: "/",
        "Set-Cookie": `${cookieName()}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        "Content-Security-Policy": UI_CSP,
        "Cache-Control": "no-store",
      });
      res.end();
      return;
    }
    const q = (name: string) => {
      const v = url.searchParams.get(name);
      if (v === null || v === "") throw new HttpError(400, `missing query parameter "${name}"`);
      if (refusedPath(v) || v.startsWith("/")) throw new HttpError(403, `refused: "${v}" is not a file under the served folders`);
      return v;
    };
    if (pathname in files) {
      const a = asset(pathname);
      send(req, res, 200, files[pathname].type, a.raw, { "Cache-Control": pathname === "/plotly.js" ? "max-age=3600" : "no-cache" }, a.gz);
      return;
    }
    switch (pathname) {
      case "/favicon.ico":
        res.writeHead(204, { "Content-Security-Policy": UI_CSP });
        res.end();
        return;
      case "/api/experiments": {
        const t0 = performance.now();
        broadcast(catalog.refresh().changed);
        checkInBackground();
        const list: ExperimentList = {
          folders: (options.folders && options.folders.length > 0 ? options.folders : ["results"]).map(String),
          experiments: catalog.list().map((e) => e.summary),
          checking: catalog.pending(),
          serverMs: Math.round((performance.now() - t0) * 10) / 10,
        };
        send(req, res, 200, "application/json; charset=utf-8", Buffer.from(JSON.stringify(list, finite)), { "Cache-Control": "no-store" });
        return;
      }
      case "/api/experiment": {
        const id = q("id");
        json(req, res, `experiment:${JSON.stringify(id)}`, () => experimentDetail(catalog, id));
        return;
      }
      case "/api/run": {
        const id = q("id");
        const run = q("run");
        json(req, res, `run:${JSON.stringify(id)}:${run}`, () => runDetail(catalog, id, run));
        return;
      }
      case "/api/compare": {
        const picks = url.searchParams.getAll("pick");
        if (picks.length > 0) {
          const pairs = picks.map((p): [string, string] => {
            const at = p.lastIndexOf("|");
            if (at <= 0) throw new HttpError(400, `pick must be <file id>|<run id>, got "${p}"`);
            const id = p.slice(0, at);
            if (refusedPath(id) || id.startsWith("/")) throw new HttpError(403, `refused: "${id}" is not a file under the served folders`);
            return [id, p.slice(at + 1)];
          });
          json(req, res, null, () => compareRuns(catalog, pairs));
          return;
        }
        const a = q("a");
        const b = q("b");
        json(req, res, null, () => compareExperiments(catalog, a, b));
        return;
      }
      case "/api/events": {
        res.writeHead(200, {
          "Content-Type": "text/event-stream; charset=utf-8",
          "Cache-Control": "no-store",
          Connection: "keep-alive",
          "Content-Security-Policy": UI_CSP,
          "X-Content-Type-Options": "nosniff",
        });
        res.write("retry: 1000\n\n");
        if (req.method === "HEAD") {
          res.end();
          return;
        }
        clients.add(res);
        req.on("close", () => clients.delete(res));
        return;
      }
      default:
        throw new HttpError(404, `no such page: ${pathname}`);
    }
  };

  const server = http.createServer((req, res) => {
    try {
      handle(req, res);
    } catch (e) {
      const status = e instanceof HttpError ? e.status : e instanceof NotFound ? 404 : e instanceof InputError ? 422 : 500;
      if (status === 500) process.stderr.write(`mflab ui: internal error on ${req.url}: ${(e as Error).stack ?? e}\n`);
      const message = status === 500 ? `internal error: ${(e as Error).message}` : (e as Error).message;
      const extra: Record<string, string> = status === 405 ? { Allow: "GET, HEAD" } : {};
      if (!res.headersSent) send(req, res, status, "application/json; charset=utf-8", Buffer.from(JSON.stringify({ error: message })), extra);
      else res.end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) => {
      const why =
        e.code === "EADDRINUSE"
          ? `port ${options.port ?? 8765} is in use (another mflab ui?); pick another with --port`
          : e.code === "EADDRNOTAVAIL"
            ? `${host} is not an address of this machine`
            : `could not listen on ${host}:${options.port ?? 8765} (${e.code ?? e.message})`;
      reject(new InputError(why));
    });
    server.listen(options.port ?? 8765, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;
  return {
    url: `http://${shownHost}:${port}/${token !== null ? `?token=${token}` : ""}`,
    port,
    host,
    token,
    catalog,
    close: async () => {
      closed = true;
      clearInterval(poll);
      clearInterval(heartbeat);
      if (scheduled) clearTimeout(scheduled);
      for (const w of watchers.values()) w.close();
      watchers.clear();
      for (const res of clients) res.end();
      clients.clear();
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await stopped;
    },
  };
}

function finite(_key: string, v: unknown): unknown {
  return typeof v === "number" && !Number.isFinite(v) ? null : v;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** `127.0.0.1:8765` → `127.0.0.1`, `[::1]:8765` → `[::1]`. */
function hostOf(header: string | undefined): string {
  if (!header) return "";
  if (header.startsWith("[")) return header.slice(0, header.indexOf("]") + 1);
  return header.split(":")[0].toLowerCase();
}

/** The signatures of the files a cached view depends on (its key names their ids as JSON strings). */
function signatureOf(catalog: Catalog, key: string): string {
  const ids = [...key.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1]}"`) as string);
  return ids.map((id) => catalog.get(id)?.signature ?? "-").join("|");
}

function send(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  status: number,
  type: string,
  body: Buffer,
  headers: Record<string, string> = {},
  gz?: Buffer,
): void {
  const gzip = gz !== undefined && /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""));
  const payload = gzip ? gz : body;
  res.writeHead(status, {
    "Content-Type": type,
    "Content-Length": String(payload.length),
    "Content-Security-Policy": UI_CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-origin",
    ...(gzip ? { "Content-Encoding": "gzip", Vary: "Accept-Encoding" } : {}),
    ...headers,
  });
  res.end(req.method === "HEAD" ? undefined : payload);
}
