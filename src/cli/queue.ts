/**
 * The queue commands of `mflab`: `mflab worker` (fit runs from a Redis queue on this machine) and
 * `mflab queue status|clean` (what is on a queue; remove what finished sweeps left there). `mflab sweep --queue`
 * is in ./main.ts. Argument parsing and terminal output only; the work is in src/experiment/queue/.
 */
import { describeOutcome, describeRun } from "../experiment/progress";
import { parseBytes } from "../experiment/resources";
import { cleanQueue, queueStatus } from "../experiment/queue/admin";
import { startQueueWorker, type QueueWorkerEvent } from "../experiment/queue/worker";
import { textTable } from "../core/table";
import { parseCommandArgs, UsageError } from "./args";

/** `HH:MM:SS` of now, for log lines. */
function clock(): string {
  return new Date().toTimeString().slice(0, 8);
}

function positiveNumber(value: string | boolean | undefined, option: string, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new UsageError(`${option} must be a positive ${integer ? "integer" : "number"}, got "${value}"`);
  }
  return n;
}

/**
 * `mflab worker --queue URL [--concurrency N] [--data-root DIR] [--stall-timeout S] [--memory-budget B]`.
 * Ctrl-C: no new run, the runs in progress finish and are handed back (exit 0); a second Ctrl-C or SIGTERM: the
 * runs in progress are abandoned and go back to the queue for another worker (exit 130 / 143). A worker that had
 * to refuse a run (its data differs from the coordinator's) stops with exit 1.
 */
export async function workerCommand(rest: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(rest, {
    queue: { type: "string" },
    concurrency: { type: "string" },
    "data-root": { type: "string" },
    "stall-timeout": { type: "string" },
    "memory-budget": { type: "string" },
    quiet: { type: "boolean" },
  });
  if (positionals.length > 0) throw new UsageError(`worker takes no positional arguments, got ${JSON.stringify(positionals[0])}`);
  if (values.queue === undefined) throw new UsageError("worker needs --queue redis://HOST:PORT[/DB]");
  const concurrency = positiveNumber(values.concurrency, "--concurrency", true) ?? 1;
  const stallSeconds = positiveNumber(values["stall-timeout"], "--stall-timeout", false);
  const memoryBudget = values["memory-budget"] === undefined ? undefined : parseBytes(String(values["memory-budget"]));
  const quiet = values.quiet === true;
  const log = (line: string) => process.stdout.write(`[${clock()}] ${line}\n`);
  const onEvent = (e: QueueWorkerEvent): void => {
    switch (e.type) {
      case "ready":
        log(
          `worker ${e.name}: ${e.address}, ${e.concurrency} run${e.concurrency > 1 ? "s" : ""} at a time, relative data paths from ${e.dataRoot} — ` +
            "waiting for runs (Ctrl-C: stop after the runs in progress)",
        );
        break;
      case "run-start":
        if (!quiet) log(`start ${e.sweep} run ${e.runId}: ${describeRun(e.model, e.params, ["d", "lambda"], e.fold)}`);
        break;
      case "run-end":
        if (!quiet)
          log(
            `done  ${e.sweep} run ${e.record.id}: ${describeRun(e.record.params.model, e.record.params, ["d", "lambda"])} → ${describeOutcome(e.record)}`,
          );
        break;
      case "refused":
        process.stderr.write(`mflab worker: refused ${e.sweep} run ${e.runId}: ${e.reason}\n`);
        break;
      case "invalid-job":
        process.stderr.write(`mflab worker: ${e.reason}\n`);
        break;
      case "redis-error":
        process.stderr.write(`mflab worker: ${e.message}\n`);
        break;
      case "abandoned":
        log(`abandoned ${e.runs} run${e.runs === 1 ? "" : "s"} in progress: back in the queue for another worker`);
        break;
    }
  };
  const worker = await startQueueWorker({
    queue: String(values.queue),
    concurrency,
    ...(values["data-root"] !== undefined ? { dataRoot: String(values["data-root"]) } : {}),
    ...(stallSeconds !== undefined ? { stallSeconds } : {}),
    ...(memoryBudget !== undefined ? { memoryBudget } : {}),
    onEvent,
  });
  let exitCode = 0;
  let stopping = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (sig === "SIGTERM" || stopping) {
      exitCode = sig === "SIGTERM" ? 143 : 130;
      process.stderr.write(`\n${sig}: abandoning the runs in progress — they go back to the queue for another worker\n`);
      void worker.abandon();
      setTimeout(() => process.exit(exitCode), 3000).unref(); // whatever is still running
      return;
    }
    stopping = true;
    process.stderr.write(`\n${sig}: stopping after the runs in progress — press Ctrl-C again to abandon them (another worker takes them)\n`);
    worker.stop();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const outcome = await worker.closed;
  process.removeListener("SIGINT", onSignal);
  process.removeListener("SIGTERM", onSignal);
  if (outcome.reason === "refused") {
    process.stderr.write(
      `mflab worker: stopped — this machine cannot run the sweep's runs as asked (${outcome.refusal}). Fix it, start the worker again, ` +
        "and re-run the sweep with --retry-failed to redo the refused run\n",
    );
    return 1;
  }
  log(`worker ${worker.name} stopped`);
  return exitCode;
}

/** `mflab queue status|clean --queue URL [--sweep ID]`. */
export async function queueCommand(rest: string[]): Promise<number> {
  const [sub, ...more] = rest;
  if (sub !== "status" && sub !== "clean")
    throw new UsageError(`queue takes "status" or "clean", got ${sub === undefined ? "nothing" : JSON.stringify(sub)}`);
  const { values, positionals } = parseCommandArgs(more, { queue: { type: "string" }, sweep: { type: "string" } });
  if (positionals.length > 0) throw new UsageError(`queue ${sub} takes no positional arguments, got ${JSON.stringify(positionals[0])}`);
  if (values.queue === undefined) throw new UsageError(`queue ${sub} needs --queue redis://HOST:PORT[/DB]`);
  const url = String(values.queue);
  if (sub === "status") {
    if (values.sweep !== undefined) throw new UsageError("--sweep applies to queue clean");
    const st = await queueStatus(url);
    console.log(`queue ${st.address}: ${st.sweeps.length} sweep${st.sweeps.length === 1 ? "" : "s"}`);
    if (st.sweeps.length > 0) {
      console.log(
        textTable(
          [
            { header: "sweep" },
            { header: "id" },
            { header: "runs", align: "right" },
            { header: "waiting", align: "right" },
            { header: "running", align: "right" },
            { header: "finished", align: "right" },
            { header: "failed", align: "right" },
            { header: "coordinator" },
          ],
          st.sweeps.map((s) => [
            s.meta?.name ?? "(unregistered)",
            s.id,
            s.meta ? String(s.meta.total) : "?",
            String(s.waiting),
            String(s.running),
            String(s.finished),
            String(s.failed),
            s.coordinator ?? (s.meta ? `none (last: ${s.meta.host}, ${s.meta.file}) — re-run the sweep to collect` : "none"),
          ]),
        ),
      );
    }
    if (st.running.length > 0) {
      console.log("\nrunning:");
      for (const j of st.running) console.log(`  ${j.what} on ${j.detail}${j.seconds !== undefined ? ` for ${Math.round(j.seconds)} s` : ""}`);
    }
    if (st.failed.length > 0) {
      console.log("\nfailed:");
      for (const j of st.failed) console.log(`  ${j.what}: ${j.detail}`);
    }
    return 0;
  }
  const report = await cleanQueue(url, values.sweep !== undefined ? { sweep: String(values.sweep) } : {});
  for (const r of report.removed) console.log(`removed sweep ${r.name ?? "(unregistered)"} ${r.id}: ${r.jobs} job${r.jobs === 1 ? "" : "s"}`);
  for (const k of report.kept) console.log(`kept sweep ${k.name ?? "(unregistered)"} ${k.id}: ${k.why}`);
  console.log(report.empty ? `queue ${report.address}: empty (no mflab keys left)` : `queue ${report.address}: ${report.kept.length} sweep(s) left`);
  return 0;
}
