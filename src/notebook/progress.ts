/**
 * Sweep progress for notebooks: one output cell area that is updated in place (not a new line per run) with
 * the counts, the ETA, what each worker is fitting, and the last finished runs.
 *
 *   await mf.runSweep(spec, { workers: 2, onProgress: mf.notebookProgress() });
 *
 * Outside a tslab kernel it falls back to the plain line printer ({@link printProgress}).
 */
import * as path from "node:path";
import { escapeHtml } from "../plot/html";
import { canDisplay, liveOutput } from "./display";
import { describeRun, describeRunLine, formatSeconds, printProgress } from "../experiment/progress";
import type { SweepProgress } from "../experiment/progress";

/** A progress callback for {@link runSweep} that redraws one notebook output in place. */
export function notebookProgress(options: { lastRuns?: number } = {}): (e: SweepProgress) => void {
  const keep = options.lastRuns ?? 5;
  if (!canDisplay()) return printProgress;
  const update = liveOutput();
  let header = "";
  let keys: readonly string[] = [];
  let total = 0;
  let done = 0;
  let failed = 0;
  let eta = NaN;
  let footer = "";
  const busy = new Map<number, string>();
  const recent: string[] = [];
  const render = () => {
    const workers = [...busy.entries()].sort((a, b) => a[0] - b[0]).map(([w, what]) => `<li>worker ${w}: ${escapeHtml(what)} …</li>`);
    const pct = total > 0 ? Math.round((100 * done) / total) : 100;
    update(
      `<div class="mflab-progress" style="font-family: monospace; font-size: 12px">` +
        `<div>${escapeHtml(header)}</div>` +
        `<div><progress value="${done}" max="${total}"></progress> ${done}/${total} runs (${pct} %)${failed ? `, ${failed} failed` : ""}` +
        `${Number.isFinite(eta) && done < total ? ` · ETA ${escapeHtml(formatSeconds(eta))}` : ""}</div>` +
        (workers.length ? `<ul style="margin: 2px 0">${workers.join("")}</ul>` : "") +
        (recent.length ? `<div>${recent.map((l) => escapeHtml(l)).join("<br>")}</div>` : "") +
        (footer ? `<div><b>${escapeHtml(footer)}</b></div>` : "") +
        `</div>`,
    );
  };
  // Paths as the notebook's cells write them (relative to its folder), so saved outputs name no machine's folders.
  const shown = (file: string) => (path.isAbsolute(file) ? path.relative(process.cwd(), file) || file : file);
  return (e: SweepProgress) => {
    switch (e.type) {
      case "start":
        keys = e.gridKeys;
        total = e.total;
        done = e.cached;
        header =
          `${e.dataset.name}: ${e.total} runs, ${e.cached} already in ${shown(e.file)}` +
          (e.setAside ? ` (the file of mflab ${e.setAside.version} was kept as ${shown(e.setAside.backup)}; its runs are not reused)` : "");
        break;
      case "run-start":
        busy.set(e.worker, describeRun(e.plan.model, e.plan.params, keys, e.fold));
        break;
      case "run-end":
        busy.delete(e.worker);
        done = e.index;
        eta = e.etaSeconds;
        if (e.record.status !== "ok") failed++;
        recent.push(describeRunLine(e.index, e.total, e.record, keys));
        if (recent.length > keep) recent.shift();
        break;
      case "warning":
        recent.push(`warning: ${e.message}`);
        if (recent.length > keep) recent.shift();
        break;
      case "done":
        busy.clear();
        footer = e.interrupted
          ? `stopped after ${formatSeconds(e.seconds)}: ${e.ran} run, ${e.remaining} not run — run the cell again to resume`
          : `done in ${formatSeconds(e.seconds)}: ${e.ran} run, ${e.cached} reused, ${e.failed} failed`;
        break;
    }
    render();
  };
}
