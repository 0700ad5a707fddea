/**
 * The results files under the folders `mflab ui` serves, kept up to date: a walk of each folder (sub-folders
 * included, hidden entries and `node_modules` skipped) finds every `*.json` file; a file is read again only when its
 * size, mtime or inode changed since the last walk, so refreshing 200 unchanged files costs 200 `stat` calls.
 *
 * Two steps per file, so that a big folder lists fast: the walk parses each new or changed file (`JSON.parse`) and
 * checks the fields the list shows (names, run statuses, metrics, times); the full field-by-field check of
 * `parseResults` — the one reader of results files, most of whose time goes to per-iteration curves — follows in
 * the background one file at a time ({@link Catalog.checkNext}), and before any page of that file is shown
 * ({@link Catalog.checked}). A file that is not a valid results file becomes an error row with the reader's message
 * (at once when it is not JSON or lacks a listed field, else when its full check fails). Only files found by the walk
 * can be asked for (`get` takes the id the walk gave), so no request can reach a path outside the folders.
 *
 * A sweep in progress holds `<file>.lock` (../results/lock.ts): while its owner process lives (same host), the row
 * carries the sweep's progress — runs stored against runs planned by the stored spec — and an ETA from the pace
 * since the lock was taken.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { InputError } from "../core/errors";
import { processAlive } from "../results/atomic";
import { RESULTS_SCHEMA, type ResultsFile, type RunRecord } from "../results/schema";
import { parseResults } from "../results/store";
import { bestRun } from "../results/summary";
import type { ExperimentSummary, SweepProgress } from "./protocol";

/** One file found under a served folder. */
export interface CatalogEntry {
  id: string;
  /** Absolute path. */
  file: string;
  /** Parsed results, when the file is a valid results file. */
  results?: ResultsFile;
  summary: ExperimentSummary;
  /** size:mtime:inode:lock-state at the last read. */
  signature: string;
  /** Whether `results` passed parseResults' full check (until then it is the file's JSON, checked only for what the list shows). */
  fullyChecked: boolean;
  /** The file's text until its full check. */
  text?: string;
  /** Its lock when read (for the progress after the full check). */
  lock: LockState;
}

/** What a refresh changed. */
export interface RefreshOutcome {
  /** Ids of files that appeared, changed (content or lock) or disappeared. */
  changed: string[];
  ms: number;
}

const SKIP_DIRS = new Set(["node_modules", ".git"]);

export class Catalog {
  readonly roots: string[];
  private readonly entries = new Map<string, CatalogEntry>();
  private walked: string[] = [];
  private readonly cwd: string;

  /**
   * @param folders the folders to serve (each must exist and be a folder)
   * @throws InputError naming a folder that does not exist or is not a folder
   */
  constructor(folders: readonly string[], cwd = process.cwd()) {
    this.cwd = cwd;
    this.roots = folders.map((f) => {
      const abs = path.resolve(cwd, f);
      let stat: fs.Stats;
      try {
        stat = fs.statSync(abs);
      } catch {
        throw new InputError("no such folder (mflab ui serves the results files under folders)", f);
      }
      if (!stat.isDirectory())
        throw new InputError("not a folder (mflab ui serves the results files under folders; give the folder that holds it)", f);
      return fs.realpathSync(abs);
    });
  }

  /** Every folder the last walk went through (the roots and their sub-folders), for watching. */
  folders(): readonly string[] {
    return this.walked;
  }

  /** Every entry, in the order of the folders given, then by path. */
  list(): CatalogEntry[] {
    return [...this.entries.values()];
  }

  /** The entry of `id`, only if the last walk found it (its results perhaps not fully checked yet). */
  get(id: string): CatalogEntry | undefined {
    return this.entries.get(id);
  }

  /** The entry of `id` after the full check of its file (done now if still pending). */
  checked(id: string, now = Date.now()): CatalogEntry | undefined {
    const entry = this.entries.get(id);
    if (entry && !entry.fullyChecked) this.fullCheck(entry, now);
    return entry;
  }

  /** Files whose full check is pending. */
  pending(): number {
    let n = 0;
    for (const e of this.entries.values()) if (!e.fullyChecked) n++;
    return n;
  }

  /**
   * Run the full check of one pending file.
   * @returns the id when that changed its row (the file turned out not to be a valid results file), else undefined;
   *   null when nothing was pending
   */
  checkNext(now = Date.now()): string | undefined | null {
    for (const e of this.entries.values()) {
      if (e.fullyChecked) continue;
      const before = e.summary.error;
      this.fullCheck(e, now);
      return e.summary.error !== before ? e.id : undefined;
    }
    return null;
  }

  private fullCheck(entry: CatalogEntry, now: number): void {
    const text = entry.text ?? "";
    entry.text = undefined;
    entry.fullyChecked = true;
    try {
      entry.results = parseResults(text, entry.summary.file);
      entry.summary = summarize(entry.id, entry.summary.file, entry.results, entry.lock, now);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      entry.results = undefined;
      entry.summary = errorSummary(entry.id, entry.summary.file, stripFile(e.message, entry.summary.file));
    }
  }

  /** Walk the folders again; read the files that changed. */
  refresh(now = Date.now()): RefreshOutcome {
    const t0 = performance.now();
    const seen = new Set<string>();
    const changed: string[] = [];
    const found: [string, string][] = [];
    const folders: string[] = [];
    this.roots.forEach((root, k) => {
      for (const file of jsonFiles(root, folders)) {
        const rel = path.relative(root, file).split(path.sep).join("/");
        found.push([this.roots.length > 1 ? `${k + 1}/${rel}` : rel, file]);
      }
    });
    const next = new Map<string, CatalogEntry>();
    for (const [id, file] of found) {
      seen.add(id);
      let stat: fs.Stats;
      try {
        stat = fs.statSync(file);
      } catch {
        continue; // removed between the walk and the stat
      }
      const lock = lockState(file);
      const signature = `${stat.size}:${stat.mtimeMs}:${stat.ino}:${lock.key}`;
      const old = this.entries.get(id);
      if (old && old.signature === signature) {
        // unchanged: only the ETA of a running sweep moves on (not reported as a change)
        old.lock = lock;
        if (lock.running && old.results) old.summary.running = progressOf(old.results, lock.since, now);
        next.set(id, old);
        continue;
      }
      const entry = this.read(id, file, signature, lock, now);
      next.set(id, entry);
      changed.push(id);
    }
    for (const id of this.entries.keys()) if (!seen.has(id)) changed.push(id);
    this.entries.clear();
    for (const [id, e] of next) this.entries.set(id, e);
    this.walked = folders;
    return { changed, ms: performance.now() - t0 };
  }

  private read(id: string, file: string, signature: string, lock: LockState, now: number): CatalogEntry {
    const shown = displayPath(file, this.cwd);
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (e) {
      const why = `cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`;
      return { id, file, summary: errorSummary(id, shown, why), signature, fullyChecked: true, lock };
    }
    let json: unknown;
    try {
      json = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    } catch {
      json = undefined; // the full check names the line and column
    }
    if (listable(json)) {
      const results = json as ResultsFile;
      return { id, file, results, summary: summarize(id, shown, results, lock, now), signature, fullyChecked: false, text, lock };
    }
    const entry: CatalogEntry = { id, file, summary: errorSummary(id, shown, "unreadable"), signature, fullyChecked: false, text, lock };
    this.fullCheck(entry, now);
    return entry;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** Whether `json` has, with the right types, every field the list shows (the full check comes later). */
function listable(json: unknown): boolean {
  if (!isObject(json) || json.schema !== RESULTS_SCHEMA) return false;
  const { experiment, dataset, env, runs } = json;
  if (!isObject(experiment) || typeof experiment.name !== "string") return false;
  if (experiment.description !== undefined && typeof experiment.description !== "string") return false;
  if (experiment.spec !== null && !isObject(experiment.spec)) return false;
  if (!isObject(dataset) || typeof dataset.name !== "string" || typeof dataset.fingerprint !== "string") return false;
  if (!isObject(env) || typeof env.updatedAt !== "string" || !Array.isArray(runs)) return false;
  for (const r of runs) {
    if (!isObject(r) || typeof r.id !== "string" || (r.status !== "ok" && r.status !== "failed") || typeof r.finishedAt !== "string") return false;
    if (!isObject(r.params) || typeof r.params.model !== "string") return false;
    if (r.metrics !== undefined && !isObject(r.metrics)) return false;
  }
  return true;
}

/** `results/x.json: runs[2].seed …` → `runs[2].seed …` (the row shows the file already). */
function stripFile(message: string, file: string): string {
  if (!message.startsWith(file)) return message;
  const rest = message.slice(file.length);
  const at = /^:(\d+):(\d+): /.exec(rest);
  if (at) return `line ${at[1]}, column ${at[2]}: ${rest.slice(at[0].length)}`;
  return rest.replace(/^: /, "");
}

function displayPath(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel.split(path.sep).join("/") : file;
}

/**
 * `*.json` files under `dir` (recursive; hidden entries, node_modules, symlinked folders skipped), sorted by path;
 * every folder walked is added to `folders`.
 */
function jsonFiles(dir: string, folders: string[]): string[] {
  const out: string[] = [];
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  folders.push(dir);
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith(".")) continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) out.push(...jsonFiles(full, folders));
    } else if (e.isFile() && e.name.toLowerCase().endsWith(".json")) out.push(full);
  }
  return out;
}

interface LockState {
  /** Part of the signature: "" without a lock, else the lock's bytes. */
  key: string;
  running: boolean;
  since?: string;
}

/** Whether a live sweep holds `<file>.lock` (its owner on this host exists; another host's lock counts as live). */
function lockState(file: string): LockState {
  let text: string;
  try {
    text = fs.readFileSync(`${file}.lock`, "utf8");
  } catch {
    return { key: "", running: false };
  }
  try {
    const info = JSON.parse(text) as { pid?: unknown; host?: unknown; startedAt?: unknown; pidStart?: unknown };
    const alive =
      typeof info.pid === "number" &&
      (info.host !== os.hostname() || processAlive(info.pid, typeof info.pidStart === "string" ? info.pidStart : undefined));
    return { key: text, running: alive, since: typeof info.startedAt === "string" ? info.startedAt : undefined };
  } catch {
    return { key: text, running: false }; // being written, or not a lock of ours
  }
}

function errorSummary(id: string, file: string, error: string): ExperimentSummary {
  return {
    id,
    file,
    error,
    name: path.basename(file),
    dataset: "",
    fingerprint: "",
    models: [],
    runs: 0,
    ok: 0,
    failed: 0,
    best: null,
    updatedAt: "",
    running: null,
  };
}

function summarize(id: string, file: string, results: ResultsFile, lock: LockState, now: number): ExperimentSummary {
  const ok = results.runs.filter((r) => r.status === "ok").length;
  return {
    id,
    file,
    name: results.experiment.name,
    ...(results.experiment.description ? { description: results.experiment.description } : {}),
    dataset: results.dataset.name,
    fingerprint: results.dataset.fingerprint,
    models: [...new Set(results.runs.map((r) => r.params.model))],
    runs: results.runs.length,
    ok,
    failed: results.runs.length - ok,
    best: bestOf(results.runs),
    updatedAt: results.env.updatedAt,
    running: lock.running ? progressOf(results, lock.since, now) : null,
  };
}

/** Lowest test MSE, or (ranking sweeps) highest NDCG@k. */
function bestOf(runs: readonly RunRecord[]): ExperimentSummary["best"] {
  if (runs.some((r) => r.metrics?.ranking)) {
    let best: RunRecord | undefined;
    for (const r of runs) {
      const v = r.status === "ok" ? r.metrics?.ranking?.ndcg : undefined;
      if (typeof v === "number" && Number.isFinite(v) && (best === undefined || v > (best.metrics?.ranking?.ndcg as number))) best = r;
    }
    return best ? { metric: `NDCG@${best.metrics?.ranking?.k}`, value: best.metrics?.ranking?.ndcg as number, runId: best.id } : null;
  }
  const best = bestRun(runs as RunRecord[], "test.mse");
  return best ? { metric: "test MSE", value: best.metrics?.test?.mse as number, runId: best.id } : null;
}

/** Runs the stored spec plans: Σ over its models of the grid's cells, × repeats × folds. */
export function plannedRuns(spec: Record<string, unknown> | null): number {
  if (!spec) return 0;
  const models = Array.isArray(spec.models)
    ? (spec.models as { grid?: Record<string, unknown> }[])
    : [{ grid: spec.grid as Record<string, unknown> }];
  let cells = 0;
  for (const m of models) {
    let n = 1;
    for (const values of Object.values(m.grid ?? {})) n *= Array.isArray(values) ? values.length : 1;
    cells += n;
  }
  const repeats = typeof spec.repeats === "number" && spec.repeats >= 1 ? spec.repeats : 1;
  const folds = spec.folds;
  const nFolds =
    typeof folds === "number"
      ? folds
      : Array.isArray(folds)
        ? folds.length
        : folds !== null && typeof folds === "object" && typeof (folds as { k?: unknown }).k === "number"
          ? (folds as { k: number }).k
          : 1;
  return cells * repeats * nFolds;
}

function progressOf(results: ResultsFile, since: string | undefined, now: number): SweepProgress {
  const done = results.runs.length;
  const planned = Math.max(plannedRuns(results.experiment.spec), done);
  const start = since !== undefined ? Date.parse(since) : Number.NaN;
  let eta: number | null = null;
  if (Number.isFinite(start)) {
    const finished = results.runs.filter((r) => Date.parse(r.finishedAt) >= start).length;
    if (finished > 0) eta = Math.max(0, ((planned - done) * (now - start)) / finished / 1000);
  }
  return { planned, done, since: since ?? "", etaSeconds: eta };
}
