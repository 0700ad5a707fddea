/**
 * The results schema shared by the CLI, notebooks, figures and reports (documented field by field in the
 * README, section "Results schema"). One JSON file per sweep; `runs` grows as runs finish.
 */
import type { ErrorMetrics } from "../metrics/accuracy";
import type { RankingMetrics } from "../metrics/ranking";
import type { History } from "../models/types";

export const RESULTS_SCHEMA = "mflab.results/1";

export interface RunMetrics {
  /** Rating-prediction error on the training / test ratings (`evaluation.task` "rating"). */
  train?: ErrorMetrics;
  test?: ErrorMetrics;
  /** Top-k ranking quality on the test set (`evaluation.task` "ranking"); see src/metrics/ranking.ts. */
  ranking?: RankingMetrics;
}

export interface RunRecord {
  /** Stable id: hash of (model params, seed, dataset fingerprint). */
  id: string;
  /** Model name plus every grid/fixed parameter of this run (the full, validated config). */
  params: { model: string; [key: string]: unknown };
  seed: number;
  /** The fold this run was scored on (cross-validated sweeps only; see `dataset.folds`). */
  fold?: string;
  /** Repeat index (sweeps with `repeats` > 1): runs of one configuration differing only in their seed. */
  repeat?: number;
  status: "ok" | "failed";
  /** Failure message when status is "failed". */
  error?: string;
  metrics?: RunMetrics;
  iterations?: number;
  converged?: boolean;
  fitSeconds?: number;
  /** Seconds to score the train and test sets. */
  predictSeconds?: number;
  /** Test predictions that used the model's fallback (unknown user or item). */
  fallbackCount?: number;
  /** Threads the fit used when more than one (threadable models; the numbers do not depend on it). */
  threads?: number;
  history?: History;
  startedAt: string;
  finishedAt: string;
}

/** One cross-validation fold of a dataset. */
export interface FoldInfo {
  name: string;
  fingerprint: string;
  nUsers: number;
  nItems: number;
  nTrain: number;
  nTest: number;
}

export interface DatasetInfo {
  name: string;
  source: string;
  /** sha256 (hex, first 16 chars) over the train and test triples and the id maps. */
  fingerprint: string;
  nUsers: number;
  nItems: number;
  nTrain: number;
  nTest: number;
  ratingScale: [number, number];
  /** Cross-validated sweeps: each fold (the top-level sizes are those of the first fold, the fingerprint covers all). */
  folds?: FoldInfo[];
}

export interface EnvInfo {
  mflab: string;
  node: string;
  platform: string;
  cpu: string;
  gitCommit: string | null;
  gitDirty: boolean | null;
  /** sha256 (16 hex) of the normalised spec that ran (`experiment.spec`): equal specs → equal hashes. */
  specHash?: string;
  /** Wall-clock seconds spent by all sweep processes that wrote this file (resumed sweeps add up). */
  wallSeconds?: number;
  startedAt: string;
  updatedAt: string;
}

export interface ResultsFile {
  schema: typeof RESULTS_SCHEMA;
  experiment: { name: string; description?: string; spec: unknown };
  dataset: DatasetInfo;
  env: EnvInfo;
  runs: RunRecord[];
}
