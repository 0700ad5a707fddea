/** The parts of a saved .ipynb the notebook tests read, and how they read them. */
import * as fs from "node:fs";

export interface NotebookOutput {
  output_type: string;
  /** stream outputs: "stdout" | "stderr" */
  name?: string;
  /** error outputs */
  ename?: string;
  evalue?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
}

export interface NotebookCell {
  cell_type: string;
  source: string | string[];
  execution_count?: number | null;
  outputs?: NotebookOutput[];
}

/** A multi-line notebook string (a string or the list of its lines) as one string; "" when absent. */
export const joinText = (v: string | string[] | undefined): string => (Array.isArray(v) ? v.join("") : (v ?? ""));

/** A saved notebook's cells. */
export const readNotebook = (file: string): { cells: NotebookCell[] } => JSON.parse(fs.readFileSync(file, "utf8")) as { cells: NotebookCell[] };
