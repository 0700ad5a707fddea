/**
 * `mflab/experiment`: experiment specs, folds, the sweep runner (one run's execution, the worker pool, progress
 * events), queue sweeps over Redis (workers, status, cleanup), optimizer races and the environment recorded with results.
 */
export * from "./spec";
export * from "./folds";
export * from "./runner";
export * from "./execute";
export * from "./progress";
export * from "./race";
export * from "./env";
export * from "./pool";
// Queue sweeps (`runSweep(spec, { queue })` is the coordinator): a worker on this machine, a queue's status and cleanup.
export { startQueueWorker, type QueueWorkerEvent, type QueueWorkerHandle, type QueueWorkerOptions } from "./queue/worker";
export { cleanQueue, queueStatus, type CleanReport, type QueueStatus } from "./queue/admin";
export type { QueueOptions } from "./queue/coordinator";
