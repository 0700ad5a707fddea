/**
 * Sweep progress: the events `runSweep` reports ({@link SweepProgress}) and their one human-readable form, one line
 * per finished run (`[ 3/24] als d=5 λ=2 → test MSE 0.9123 · 20 it · 0.4 s · ETA 12 s`). The CLI prints it on
 * stderr (on a terminal the current run is shown in place); notebooks redraw it in one output
 * (../notebook/progress.ts) or print it line by line ({@link printProgress}).
 */
import type { DatasetInfo, RunRecord } from "../results/schema";
import { MFLAB_VERSION } from "../core/version";
import { getModel } from "../models/registry";
import type { RunPlan } from "./spec";

export type SweepProgress =
  | {
      type: "start";
      total: number;
      cached: number;
      file: string;
      dataset: DatasetInfo;
      gridKeys: string[];
      /** When the existing file was written by another mflab version: its runs cannot be reused and it was kept here. */
      setAside?: { backup: string; version: string };
    }
  | { type: "run-start"; index: number; total: number; plan: RunPlan; fold?: string; worker: number }
  | { type: "run-end"; index: number; total: number; record: RunRecord; etaSeconds: number; worker: number; running: number }
  | { type: "done"; file: string; ran: number; cached: number; failed: number; seconds: number; interrupted: boolean; remaining: number }
  /** Something the user should know that does not stop the sweep (a capped worker count, a rank larger than the data). */
  | { type: "warning"; message: string };

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return "?";
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/**
 * `d=5 λ=2`: the parameters of `keys` that the run's model has — the value in `params`, else (given `model`) the
 * model's default — so a sweep's grid axes show on the runs of the models that have them and never as
 * `d=undefined` on the others. A parameter set to null (unset: e.g. baseline-als's `lambda`, whose two sides then
 * come from `lambdaU` / `lambdaI`) is left out too.
 */
export function describeParams(params: Record<string, unknown>, keys: readonly string[], model?: string): string {
  const defaults = model === undefined ? undefined : (getModel(model)?.defaults as Record<string, unknown> | undefined);
  const parts: string[] = [];
  for (const k of keys) {
    const v = params[k] !== undefined ? params[k] : defaults?.[k];
    // Sampled values (searches) are shown to 4 significant digits; the record keeps them in full.
    const shown = typeof v === "number" && !Number.isInteger(v) && String(v).length > 8 ? String(Number(v.toPrecision(4))) : JSON.stringify(v);
    if (v !== undefined && v !== null) parts.push(`${k === "lambda" ? "λ" : k}=${shown}`);
  }
  return parts.join(" ");
}

/** `als d=5 λ=2 (u1)`, `slope-one (u1)`, `svd d=100`: a run's model, its parameters of `keys`, its fold. */
export function describeRun(model: string, params: Record<string, unknown>, keys: readonly string[], fold?: string): string {
  const described = describeParams(params, keys, model);
  return `${model}${described ? ` ${described}` : ""}${fold ? ` (${fold})` : ""}`;
}

/** What a finished run reached: `test MSE 0.9123 · 20 it · 0.4 s`, `NDCG@10 0.4553 · …`, or `FAILED: reason`. */
export function describeOutcome(r: RunRecord): string {
  const m = r.metrics;
  if (r.status === "pruned")
    return `PRUNED at iteration ${r.iterations} (validation RMSE ${m?.validation?.rmse.toFixed(4)}) · ${formatSeconds(r.fitSeconds ?? NaN)}`;
  if (r.status !== "ok") return `FAILED: ${r.error}`;
  const score = m?.ranking
    ? `NDCG@${m.ranking.k} ${m.ranking.ndcg.toFixed(4)}`
    : `${m?.validation ? `validation RMSE ${m.validation.rmse.toFixed(4)}, ` : ""}test MSE ${m?.test?.mse.toFixed(4)}`;
  return `${score} · ${r.iterations} it · ${formatSeconds(r.fitSeconds ?? NaN)}`;
}

/** One progress line for a finished run: `[ 3/24] als d=5 λ=2 (u1) → test MSE …` (parameters: {@link describeRun}). */
export function describeRunLine(index: number, total: number, r: RunRecord, keys: readonly string[]): string {
  return `[${String(index).padStart(String(total).length)}/${total}] ${describeRun(r.params.model, r.params, keys, r.fold)} → ${describeOutcome(r)}`;
}

/**
 * A progress callback writing lines through `write`. `gridKeys` are the parameters shown per run, each on the runs
 * of the models that have it (default: the grid axes of the spec, from the "start" event). With `inPlace`, the running run is
 * shown on a line that the finished line overwrites (terminals only).
 */
export function progressPrinter(write: (text: string) => void, options: { inPlace?: boolean; gridKeys?: readonly string[] } = {}) {
  let keys: readonly string[] = options.gridKeys ?? [];
  const busy = new Map<number, string>(); // worker slot → what it is fitting
  const status = () =>
    busy.size === 0
      ? ""
      : `\r\x1b[K  running: ${[...busy.entries()]
          .sort((a, b) => a[0] - b[0])
          .map(([w, what]) => `[w${w}] ${what}`)
          .join("  ")}`;
  return (e: SweepProgress): void => {
    switch (e.type) {
      case "start": {
        const d = e.dataset;
        if (!options.gridKeys) keys = e.gridKeys;
        if (e.setAside) {
          write(
            `note: ${e.file} was written by mflab ${e.setAside.version}; its runs are not reused by mflab ${MFLAB_VERSION} — kept as ${e.setAside.backup}\n`,
          );
        }
        write(`sweep: ${e.total} runs, ${e.cached} already done → ${e.file}\n`);
        write(
          `data: ${d.name} — ${d.nUsers} users × ${d.nItems} items, ${d.nTrain} train / ${d.nTest} test ratings (fingerprint ${d.fingerprint})\n`,
        );
        break;
      }
      case "run-start":
        busy.set(e.worker, describeRun(e.plan.model, e.plan.params, keys, e.fold));
        if (options.inPlace) write(status());
        break;
      case "run-end": {
        busy.delete(e.worker);
        const line = `${describeRunLine(e.index, e.total, e.record, keys)} · ETA ${formatSeconds(e.etaSeconds)}`;
        write(options.inPlace ? `\r\x1b[K${line}\n${status()}` : `${line}\n`);
        break;
      }
      case "warning":
        write(options.inPlace ? `\r\x1b[Kwarning: ${e.message}\n${status()}` : `warning: ${e.message}\n`);
        break;
      case "done":
        busy.clear();
        if (options.inPlace) write("\r\x1b[K");
        write(
          e.interrupted
            ? `stopped after ${formatSeconds(e.seconds)}: ${e.ran} run now, ${e.cached} reused, ${e.failed} failed, ${e.remaining} not run; every finished run is in ${e.file} — run the same command again to resume\n`
            : `done in ${formatSeconds(e.seconds)}: ${e.ran} run, ${e.cached} reused, ${e.failed} failed\n`,
        );
        break;
    }
  };
}

/** Progress lines on stdout, one per finished run — for notebooks: `runSweep(spec, { onProgress: printProgress })`. */
export const printProgress = progressPrinter((text) => process.stdout.write(text));
