/**
 * The JSON the `mflab ui` server sends to its page (./server.ts → web/): one declaration of every payload, imported
 * by the page as types only. Every string in a payload comes from a results file and is shown by the page as text
 * (never as HTML).
 */
import type { Figure } from "../plot/types";

/** A sweep still writing to its file (its lock is held by a live process). */
export interface SweepProgress {
  /** Runs the spec plans (grid cells × repeats × folds), at least the runs stored. */
  planned: number;
  /** Runs stored so far. */
  done: number;
  /** When the running sweep took the lock (ISO time). */
  since: string;
  /** Estimated seconds left from the pace since the lock was taken (null before its first run finishes). */
  etaSeconds: number | null;
}

/** One row of the experiments list: a results file, or a file that could not be read (`error`). */
export interface ExperimentSummary {
  /** Identifier in URLs: the file's path relative to its served folder (prefixed by the folder's number when several). */
  id: string;
  /** The file as shown (relative to the current directory when below it). */
  file: string;
  /** Why the file is not shown as an experiment (not JSON, not a results file, a field that fails the schema). */
  error?: string;
  name: string;
  description?: string;
  dataset: string;
  fingerprint: string;
  models: string[];
  runs: number;
  ok: number;
  failed: number;
  /** The best run's metric: lowest test MSE (rating task) or highest NDCG@k (ranking task). */
  best: { metric: string; value: number; runId: string } | null;
  /** `env.updatedAt` of the file. */
  updatedAt: string;
  running: SweepProgress | null;
}

export interface ExperimentList {
  /** The served folders as given. */
  folders: string[];
  experiments: ExperimentSummary[];
  /** Files listed from their JSON whose full check (every field, every curve) is still running in the background. */
  checking: number;
  /** Milliseconds the server spent bringing the list up to date for this request. */
  serverMs: number;
}

export type Cell = string | number | boolean | null;

/** A table column: the key names what it holds; `group` tells parameters, metrics and bookkeeping apart. */
export interface TableColumn {
  key: string;
  label: string;
  type: "number" | "text";
  group: "param" | "metric" | "info";
}

export interface TableRow {
  /** Run id (runs table) or configuration key (configurations table). */
  id: string;
  cells: Cell[];
  failed: boolean;
}

export interface Table {
  /** What one row is, in words (shown above the table). */
  caption: string;
  columns: TableColumn[];
  rows: TableRow[];
}

export interface FigurePayload {
  id: string;
  kind: string;
  caption: string;
  figure: Figure;
}

export interface ObservationPayload {
  kind: string;
  title?: string;
  text: string;
}

export interface ExperimentDetail {
  summary: ExperimentSummary;
  dataset: { name: string; source: string; fingerprint: string; sizes: string; folds: { name: string; fingerprint: string }[] };
  env: Record<string, string>;
  /** One row per stored run. */
  runs: Table;
  /** One row per configuration with its folds/seeds aggregated (mean ± population std), when the sweep has folds or repeats. */
  configurations: Table | null;
  figures: FigurePayload[];
  /** Figures that do not apply to this sweep, and why. */
  figureNotes: string[];
  keyFindings: ObservationPayload[];
  observations: { topic: string; items: ObservationPayload[] }[];
}

export interface RunDetail {
  experiment: ExperimentSummary;
  id: string;
  status: string;
  error: string | null;
  /** [name, value as text] pairs: the run's parameters (model first). */
  params: [string, string][];
  /** [name, value as text]: seed, fold, repeat, iterations, timings, … */
  facts: [string, string][];
  metrics: [string, string][];
  /** The data the run was scored on: the fold's fingerprint in cross-validated sweeps, else the dataset's. */
  data: { name: string; fingerprint: string };
  env: Record<string, string>;
  figures: FigurePayload[];
  figureNotes: string[];
}

/** A compare view: two experiments, or hand-picked runs of any experiments. */
export interface CompareDetail {
  title: string;
  /** Each compared item's data (name and fingerprint) and whether they are all the same. */
  data: { label: string; name: string; fingerprint: string }[];
  sameData: boolean;
  table: Table;
  figures: FigurePayload[];
  figureNotes: string[];
  notes: string[];
}

/** Server-sent event `changed`: the ids of files that appeared, changed or disappeared. */
export interface ChangedEvent {
  ids: string[];
}
