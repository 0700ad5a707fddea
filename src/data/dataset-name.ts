/**
 * Names of datasets read from files (`Dataset.name`, shown in reports, summaries and progress lines): the file
 * names themselves — `ratings.csv`, `train.csv + test.csv` — with the folder as a prefix only when it tells the
 * data apart: the file name is a generic one (`ratings.csv`, `u.data`, `train.csv`, …) and the folder, as the path
 * was written, has a name that is not (`ml-latest-small/ratings.csv`, but `train.csv + test.csv` for
 * `data/train.csv` + `data/test.csv`). A pair whose two files have the same name always shows their folders.
 */
import * as path from "node:path";

/** File names (without extension) that say nothing about the data. */
const GENERIC_FILES = new Set([
  "ratings",
  "rating",
  "data",
  "u",
  "train",
  "training",
  "test",
  "testing",
  "base",
  "all",
  "full",
  "dataset",
  "validation",
  "valid",
]);
/** Folder names that say nothing about the data. */
const GENERIC_FOLDERS = new Set(["", ".", "..", "data", "datasets", "dataset", "input", "inputs", "tmp", "temp", "files", "raw", "csv", "shared"]);

function stem(file: string): string {
  return path
    .basename(file)
    .replace(/\.[^.]*$/, "")
    .toLowerCase();
}

/** The folder of `file` as written (its last segment), or "" when it has none or a generic one. */
function usefulFolder(file: string): string {
  const folder = path.basename(path.dirname(file));
  return GENERIC_FOLDERS.has(folder.toLowerCase()) ? "" : folder;
}

function label(file: string, forceFolder = false): string {
  const base = path.basename(file);
  const folder = forceFolder ? path.basename(path.dirname(file)).replace(/^\.*$/, "") : GENERIC_FILES.has(stem(file)) ? usefulFolder(file) : "";
  return folder ? `${folder}/${base}` : base;
}

/** The name of a dataset read from one ratings file: `ratings.csv`, `ml-latest-small/ratings.csv`. */
export function ratingsFileName(file: string): string {
  return label(file) || "ratings";
}

/** The name of a dataset read from a train file and a test file: `train.csv + test.csv`, `toy/train.csv + test.csv`. */
export function trainTestName(train: string, test: string): string {
  const sameName = path.basename(train) === path.basename(test);
  if (!sameName && path.resolve(path.dirname(train)) === path.resolve(path.dirname(test))) {
    const folder = GENERIC_FILES.has(stem(train)) && GENERIC_FILES.has(stem(test)) ? usefulFolder(train) : "";
    return `${folder ? `${folder}/` : ""}${path.basename(train)} + ${path.basename(test)}`;
  }
  return `${label(train, sameName)} + ${label(test, sameName)}`;
}
