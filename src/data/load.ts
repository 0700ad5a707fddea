/**
 * Dataset assembly: a JSON-serialisable {@link DataSpec} (as written in experiment specs, or built from the
 * CLI's `--data PATH [--split …]` by {@link dataSpecFromPath}) → a {@link Dataset}.
 *
 * Ids: raw user/item ids are mapped to dense indices with {@link IdMap}: train ids first, in order of first
 * appearance, then ids seen only in test. Train and test matrices share that index space (nUsers/nItems =
 * all ids seen), so a test-only user has an index but no training ratings.
 * Input policies (fields of the file data specs, applied per file by the parser — see ./parse.ts):
 * - `duplicates`: `"error"` (default) | `"keep-last"` | `"mean"` — a (user, item) pair on several rows of one
 *   file (`duplicate rating for user 1, item 5 (first at line 3); …`). Resolved before any holdout split, so a
 *   pair never lands in both train and test of a single-file dataset.
 * - `ratingScale: [lo, hi]` (ratings-file, train-test; MovieLens 100K is always [1, 5]) and `outOfScale`:
 *   `"error"` (default) | `"clip"`. A file in `udata` format (given or detected) has MovieLens's scale [1, 5]
 *   unless one is declared, wherever it comes from. Otherwise, without a declared scale, the dataset's scale is
 *   the observed [min, max] of the training ratings, reported as a warning, and nothing is checked.
 * Train/test overlap (a pair in both the train file and the test file of a train-test spec) is allowed but
 * reported as a warning with the count; both ratings are kept.
 *
 * Files: only regular files are read (../core/files.ts); a missing, unreadable or odd path is an InputError
 * naming it (`u.data: permission denied (cannot read the ratings file)`), except the optional `u.item`, whose
 * problems are a warning (the dataset loads without titles).
 *
 * Warnings (a skipped header line, merged duplicates, clipped ratings, an inferred scale, train/test overlap, an
 * unreadable u.item) go to `options.onWarning` — one message per event, starting with the file name; without a
 * callback they are printed to stderr as `warning: …` (console.warn), so the CLI shows them. Nothing is changed
 * silently.
 * Relative paths resolve against `options.baseDir` (default `process.cwd()`).
 * Throws: SpecError for an invalid spec (via {@link validateDataSpec}); InputError for a path that is missing,
 * unreadable or not a regular file;
 * ParseError for malformed rows, duplicates (policy "error") and out-of-scale ratings (policy "error").
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { InputError, ParseError } from "../core/errors";
import { fileError, readRegularFile } from "../core/files";
import {
  detectFormat,
  indexRatings,
  parseDecimal,
  readRatingsFileIndexed,
  type IndexedRatings,
  type InputPolicies,
  type RatingsFormat,
} from "./parse";
import { ratingsFileName, trainTestName } from "./dataset-name";
import { type Dataset, IdMap, RatingsMatrix } from "./ratings";
import { holdoutSplit } from "./split";
import {
  DEFAULT_DATA_SEED,
  DEFAULT_TEST_FRACTION,
  ML100K_SPLITS,
  validateDataSpec,
  type DataSpec,
  type DataSpecInput,
  type Ml100kSplit,
  type MovieLens100kDataSpec,
  type RatingsFileDataSpec,
  type SyntheticDataSpec,
  type TrainTestDataSpec,
} from "./spec";
import { SYNTHETIC_DEFAULTS, generateSynthetic } from "./synthetic";

export interface LoadOptions {
  /** Directory that relative paths in the spec are resolved against (default `process.cwd()`). */
  baseDir?: string;
  /**
   * Receives each warning (skipped header, merged duplicates, clipped ratings, train/test overlap with its count).
   * Default: `console.warn("warning: " + message)`.
   */
  onWarning?: (message: string) => void;
}

const ML100K_FILES = "u.data, u1.base, …";
/** The MovieLens rating scale: MovieLens 100K folders and every `udata`-format file. */
const ML_SCALE = [1, 5] as const;
const ML100K_EXPECTED = `MovieLens 100K files ${ML100K_FILES}`;

// ---------------------------------------------------------------------------------------------------------
// Loading

/**
 * Load the dataset a spec describes (validating it first).
 * Rating scale: [1, 5] for MovieLens 100K, `udata`-format files and synthetic data; for other files the declared
 * `ratingScale`, else the [min, max] of the training ratings (with a warning). Item titles come from `u.item`
 * (latin-1, `|`-separated) when it is in the MovieLens folder.
 */
export function loadDataset(spec: DataSpecInput | DataSpec, options: LoadOptions = {}): Dataset {
  const s = validateDataSpec(spec);
  const baseDir = options.baseDir ?? process.cwd();
  const warn = options.onWarning ?? ((m: string) => console.warn(`warning: ${m}`));
  switch (s.kind) {
    case "synthetic":
      return loadSynthetic(s);
    case "movielens-100k":
      return loadMl100k(s, baseDir, warn);
    case "ratings-file":
      return loadRatingsFile(s, baseDir, warn);
    case "train-test":
      return loadTrainTest(s, baseDir, warn);
  }
}

/** {@link loadDataset} collecting the warnings instead of printing them. */
export function loadDatasetWithWarnings(
  spec: DataSpecInput | DataSpec,
  options: Omit<LoadOptions, "onWarning"> = {},
): { dataset: Dataset; warnings: string[] } {
  const warnings: string[] = [];
  const dataset = loadDataset(spec, { ...options, onWarning: (m) => warnings.push(m) });
  return { dataset, warnings };
}

type Warn = (message: string) => void;

/** Parser options carrying a spec's input policies. */
function policyOptions(s: Omit<InputPolicies, "ratingScale"> & { ratingScale?: readonly number[] }, warn: Warn): InputPolicies & { onWarning: Warn } {
  const o: InputPolicies & { onWarning: Warn } = { onWarning: warn };
  if (s.duplicates !== undefined) o.duplicates = s.duplicates;
  if (s.ratingScale !== undefined) o.ratingScale = [s.ratingScale[0], s.ratingScale[1]];
  if (s.outOfScale !== undefined) o.outOfScale = s.outOfScale;
  return o;
}

function loadSynthetic(s: SyntheticDataSpec): Dataset {
  const raw = generateSynthetic({
    nUsers: s.nUsers,
    nItems: s.nItems,
    nRatings: s.nRatings,
    rank: s.rank,
    noise: s.noise,
    seed: s.seed,
  });
  const f = s.testFraction ?? DEFAULT_TEST_FRACTION;
  const seed = s.seed ?? DEFAULT_DATA_SEED;
  const split = holdoutSplit(raw.ratings.length, f, seed);
  const o = raw.options;
  const ix = indexRatings(raw);
  return {
    name: "synthetic",
    source:
      `synthetic(nUsers=${o.nUsers}, nItems=${o.nItems}, nRatings=${o.nRatings}, rank=${o.rank}, noise=${o.noise}, ` +
      `seed=${o.seed}), holdout testFraction=${f}`,
    ...assemble([{ raw: ix, rows: split.trainIdx }], [{ raw: ix, rows: split.testIdx }], () => {}),
    ratingScale: [o.ratingScale[0], o.ratingScale[1]],
  };
}

function loadMl100k(s: MovieLens100kDataSpec, baseDir: string, warn: Warn): Dataset {
  const pol = policyOptions({ duplicates: s.duplicates, ratingScale: ML_SCALE, outOfScale: s.outOfScale }, warn);
  const dir = path.resolve(baseDir, s.path);
  const stat = statOrUndefined(dir, "MovieLens 100K folder", s.path);
  if (!stat) throw new InputError(`no such folder (expected ${ML100K_EXPECTED}${lookedIn(s.path, dir)})`, s.path);
  if (!stat.isDirectory()) throw new InputError(`is a file, expected the MovieLens 100K folder (${ML100K_FILES})`, s.path);
  const shown = (name: string) => path.join(s.path, name);
  const need = (name: string, what: string): string => {
    const p = path.join(dir, name);
    if (isMissing(p)) throw new InputError(`no such file (expected ${what} in the MovieLens 100K folder)`, shown(name));
    return p;
  };
  let parts: { train: Part[]; test: Part[] };
  let source: string;
  if (s.split === "holdout") {
    const p = need("u.data", "all 100,000 ratings (u.data)");
    const raw = readRatingsFileIndexed(p, { format: "udata", displayName: shown("u.data"), ...pol });
    const f = s.testFraction ?? DEFAULT_TEST_FRACTION;
    const seed = s.seed ?? DEFAULT_DATA_SEED;
    const split = holdoutSplit(raw.ratings.length, f, seed);
    parts = { train: [{ raw, rows: split.trainIdx }], test: [{ raw, rows: split.testIdx }] };
    source = `${p} (holdout testFraction=${f}, seed=${seed})`;
  } else {
    const base = need(`${s.split}.base`, `the ${s.split} training fold`);
    const test = need(`${s.split}.test`, `the ${s.split} test fold`);
    const trainRaw = readRatingsFileIndexed(base, { format: "udata", displayName: shown(`${s.split}.base`), ...pol });
    const testRaw = readRatingsFileIndexed(test, { format: "udata", displayName: shown(`${s.split}.test`), ...pol });
    parts = { train: [{ raw: trainRaw }], test: [{ raw: testRaw }] };
    source = `${base} + ${test}`;
  }
  const assembled = assemble(parts.train, parts.test, warn);
  const ds: { -readonly [K in keyof Dataset]: Dataset[K] } = {
    name: `ml-100k/${s.split}`,
    source,
    ...assembled,
    ratingScale: [ML_SCALE[0], ML_SCALE[1]],
  };
  const titles = readMl100kTitles(path.join(dir, "u.item"), shown("u.item"), warn);
  if (titles) ds.itemTitles = assembled.itemIds.map((id) => titles.get(id) ?? "");
  return ds;
}

/**
 * `u.item`: latin-1, `id|title|date|…`; undefined when the file is absent — or unreadable, or not a regular
 * file, which is a warning (the titles are optional: the dataset loads without them).
 */
function readMl100kTitles(file: string, name: string, warn: Warn): Map<string, string> | undefined {
  if (isMissing(file)) return undefined;
  let bytes: Buffer;
  try {
    bytes = readRegularFile(file, "titles file", name);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    warn(`${e.message}; the items have no titles`);
    return undefined;
  }
  const text = new TextDecoder("latin1").decode(bytes);
  const titles = new Map<string, string>();
  for (const line of text.split("\n")) {
    const a = line.indexOf("|");
    if (a <= 0) continue;
    const b = line.indexOf("|", a + 1);
    titles.set(line.slice(0, a), line.slice(a + 1, b < 0 ? undefined : b).replace(/\r$/, ""));
  }
  return titles;
}

/**
 * One ratings file of a ratings-file or train-test spec, read with the spec's policies. Its rating scale is the
 * declared one, else MovieLens's [1, 5] when the file is in `udata` format (given or detected: a `u.data` file
 * is checked the same wherever it comes from), else none (returned as undefined: inferred later).
 */
function readSpecFile(
  s: RatingsFileDataSpec | TrainTestDataSpec,
  file: string,
  shown: string,
  warn: Warn,
): { raw: IndexedRatings; scale: readonly [number, number] | undefined } {
  const format: RatingsFormat = s.format ?? detectFormat(file);
  const scale = s.ratingScale ? ([s.ratingScale[0], s.ratingScale[1]] as const) : format === "udata" ? ML_SCALE : undefined;
  const pol = policyOptions({ duplicates: s.duplicates, ratingScale: scale, outOfScale: s.outOfScale }, warn);
  const raw = readRatingsFileIndexed(file, { format, delimiter: s.delimiter, columns: s.columns, displayName: shown, ...pol });
  return { raw, scale };
}

/** The scale of a dataset read from `shown`: `scale` when known, else the training ratings' [min, max], with a warning. */
function scaleOrInferred(scale: readonly [number, number] | undefined, train: RatingsMatrix, shown: string, warn: Warn): [number, number] {
  if (scale) return [scale[0], scale[1]];
  const [lo, hi] = observedScale(train);
  warn(`${shown}: rating scale [${lo}, ${hi}] inferred from the training ratings; declare "ratingScale" to check it`);
  return [lo, hi];
}

function loadRatingsFile(s: RatingsFileDataSpec, baseDir: string, warn: Warn): Dataset {
  const p = path.resolve(baseDir, s.path);
  const { raw, scale } = readSpecFile(s, p, s.path, warn);
  const f = s.testFraction ?? DEFAULT_TEST_FRACTION;
  const seed = s.seed ?? DEFAULT_DATA_SEED;
  const split = holdoutSplit(raw.ratings.length, f, seed);
  const assembled = assemble([{ raw, rows: split.trainIdx }], [{ raw, rows: split.testIdx }], warn);
  return {
    name: ratingsFileName(s.path),
    source: `${p} (holdout testFraction=${f}, seed=${seed})`,
    ...assembled,
    ratingScale: scaleOrInferred(scale, assembled.train, s.path, warn),
  };
}

function loadTrainTest(s: TrainTestDataSpec, baseDir: string, warn: Warn): Dataset {
  const trainPath = path.resolve(baseDir, s.train);
  const testPath = path.resolve(baseDir, s.test);
  const train = readSpecFile(s, trainPath, s.train, warn);
  const test = readSpecFile(s, testPath, s.test, warn);
  const assembled = assemble([{ raw: train.raw }], [{ raw: test.raw }], warn);
  return {
    name: trainTestName(s.train, s.test),
    source: `${trainPath} + ${testPath}`,
    ...assembled,
    ratingScale: scaleOrInferred(train.scale, assembled.train, s.train, warn),
  };
}

function observedScale(m: RatingsMatrix): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let k = 0; k < m.values.length; k++) {
    const v = m.values[k];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/**
 * The path's stat, or undefined when it does not exist.
 * @param what what the path should be, for the message when it cannot be looked at (permission denied, …)
 * @throws InputError for any other failure (`<path>: permission denied (cannot read the <what>)`)
 */
function statOrUndefined(p: string, what: string, shown: string = p): fs.Stats | undefined {
  try {
    return fs.statSync(p);
  } catch (e) {
    if (isMissingError(e)) return undefined;
    throw fileError(e, shown, what);
  }
}

function isMissingError(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}

/** Whether nothing is at `p` (false when something is there but cannot be looked at: reading it says why). */
function isMissing(p: string): boolean {
  try {
    fs.statSync(p);
    return false;
  } catch (e) {
    return isMissingError(e);
  }
}

function lookedIn(given: string, resolved: string): string {
  return path.isAbsolute(given) ? "" : `; looked for ${resolved}`;
}

// ---------------------------------------------------------------------------------------------------------
// Assembly: raw rows → shared id space + matrices, with duplicate / overlap checks

/** Rows of one parsed file (all rows when `rows` is absent). */
interface Part {
  raw: IndexedRatings;
  rows?: Int32Array;
}

interface Assembled {
  userIds: string[];
  itemIds: string[];
  train: RatingsMatrix;
  test: RatingsMatrix;
}

/**
 * Map ids (train parts first, in row order; then test-only ids) and build both matrices. A (user, item) pair in
 * both a train part and a test part from different files is kept on both sides and reported once through `warn`
 * with the count; a pair repeated within one file cannot reach this point (the parser's duplicates policy runs
 * first), so it is refused as a ParseError. O(nnz + nUsers + nItems).
 */
function assemble(trainParts: Part[], testParts: Part[], warn: Warn): Assembled {
  const users = new IdMap();
  const items = new IdMap();
  const all = [...trainParts, ...testParts];
  const total = all.reduce((n, p) => n + (p.rows ? p.rows.length : p.raw.ratings.length), 0);
  const u = new Int32Array(total);
  const it = new Int32Array(total);
  const v = new Float64Array(total);
  const line = new Int32Array(total);
  const fileOf = new Int32Array(total);
  // Timestamps are kept when every file has them (MovieLens u.data / uN.base / uN.test, ratings.csv, …).
  const ts = all.every((p) => p.raw.timestamps !== undefined) ? new Float64Array(total) : null;
  const raws: IndexedRatings[] = [];
  // Per file: its own id index → the shared one (−1 until the id first appears, so ids keep their order of first appearance).
  const userOf: Int32Array[] = [];
  const itemOf: Int32Array[] = [];
  let e = 0;
  for (const part of all) {
    let f = raws.indexOf(part.raw);
    if (f < 0) {
      f = raws.push(part.raw) - 1;
      userOf.push(new Int32Array(part.raw.userIds.length).fill(-1));
      itemOf.push(new Int32Array(part.raw.itemIds.length).fill(-1));
    }
    const { raw, rows } = part;
    const uf = userOf[f];
    const itf = itemOf[f];
    const n = rows ? rows.length : raw.ratings.length;
    for (let t = 0; t < n; t++) {
      const r = rows ? rows[t] : t;
      const lu = raw.users[r];
      const li = raw.items[r];
      u[e] = uf[lu] >= 0 ? uf[lu] : (uf[lu] = users.intern(raw.userIds[lu]));
      it[e] = itf[li] >= 0 ? itf[li] : (itf[li] = items.intern(raw.itemIds[li]));
      v[e] = raw.ratings[r];
      if (ts !== null && raw.timestamps !== undefined) ts[e] = raw.timestamps[r];
      line[e] = raw.lines[r];
      fileOf[e] = f;
      e++;
    }
  }
  const nTrain = trainParts.reduce((n, p) => n + (p.rows ? p.rows.length : p.raw.ratings.length), 0);
  checkOverlap(u, it, line, fileOf, nTrain, raws, users.ids, items.ids, warn);
  return {
    userIds: users.ids,
    itemIds: items.ids,
    train: new RatingsMatrix(
      users.size,
      items.size,
      u.slice(0, nTrain),
      it.slice(0, nTrain),
      v.slice(0, nTrain),
      ts === null ? null : ts.slice(0, nTrain),
    ),
    test: new RatingsMatrix(users.size, items.size, u.slice(nTrain), it.slice(nTrain), v.slice(nTrain), ts === null ? null : ts.slice(nTrain)),
  };
}

/**
 * Group entries by user (counting sort), then mark items per user. Repeats within one file → ParseError at the
 * earliest second occurrence; test entries whose pair is also in a training file → one warning with the count,
 * naming the earliest such test line.
 */
function checkOverlap(
  u: Int32Array,
  it: Int32Array,
  line: Int32Array,
  fileOf: Int32Array,
  nTrain: number,
  raws: IndexedRatings[],
  userIds: string[],
  itemIds: string[],
  warn: Warn,
): void {
  const n = u.length;
  const nUsers = userIds.length;
  const nItems = itemIds.length;
  const ptr = new Int32Array(nUsers + 1);
  for (let e = 0; e < n; e++) ptr[u[e] + 1]++;
  for (let k = 0; k < nUsers; k++) ptr[k + 1] += ptr[k];
  const order = new Int32Array(n);
  const next = ptr.slice(0, nUsers);
  for (let e = 0; e < n; e++) order[next[u[e]]++] = e;
  const stamp = new Int32Array(nItems).fill(-1);
  const firstAt = new Int32Array(nItems);
  const pos = (e: number): number => fileOf[e] * 2147483648 + line[e];
  let dupFirst = -1;
  let dupSecond = -1;
  let overlaps = 0;
  let overlapTest = -1;
  let overlapTrain = -1;
  for (let user = 0; user < nUsers; user++) {
    for (let t = ptr[user]; t < ptr[user + 1]; t++) {
      const e = order[t];
      const i = it[e];
      if (stamp[i] !== user) {
        stamp[i] = user;
        firstAt[i] = e;
        continue;
      }
      const f = firstAt[i];
      if (fileOf[f] !== fileOf[e]) {
        // Entries are in train-then-test order, so f (seen first) is the training one when the sides differ.
        if (f < nTrain && e >= nTrain) {
          overlaps++;
          if (overlapTest < 0 || pos(e) < pos(overlapTest)) {
            overlapTest = e;
            overlapTrain = f;
          }
        }
        continue;
      }
      const [a, b] = pos(f) <= pos(e) ? [f, e] : [e, f];
      if (dupSecond < 0 || pos(b) < pos(dupSecond)) {
        dupFirst = a;
        dupSecond = b;
      }
      firstAt[i] = a;
    }
  }
  if (dupSecond >= 0) {
    const b = dupSecond;
    throw new ParseError(
      raws[fileOf[b]].file,
      line[b],
      undefined,
      `duplicate rating for user ${userIds[u[b]]}, item ${itemIds[it[b]]} (first at line ${line[dupFirst]})`,
    );
  }
  if (overlaps > 0) {
    const e = overlapTest;
    const testFile = raws[fileOf[e]].file;
    const trainFile = raws[fileOf[overlapTrain]].file;
    warn(
      `${testFile}: ${overlaps} test rating${overlaps === 1 ? " is for a (user, item) pair" : "s are for (user, item) pairs"} also in the training file ${trainFile} ` +
        `(first: user ${userIds[u[e]]}, item ${itemIds[it[e]]} at ${testFile}:${line[e]} and ${trainFile}:${line[overlapTrain]}); ` +
        `kept on both sides, so test error on them is optimistic`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------------
// CLI helpers

/**
 * The data spec for the CLI's `--data PATH [--split …]`:
 * - the word `synthetic` → synthetic (split: a fraction such as `0.2` sets testFraction);
 * - a folder with `u.data` or `u1.base` → movielens-100k (split u1..u5, ua, ub, holdout, or a fraction for a
 *   holdout; default u1);
 * - a folder with `train.csv` + `test.csv` → train-test (no split allowed);
 * - a file → ratings-file (split: a fraction or `holdout`; default testFraction 0.2).
 * Paths are kept as given (relative to the current directory).
 * @throws InputError when the path does not exist, the folder holds neither layout, or the split does not fit
 */
export function dataSpecFromPath(p: string, split?: string): DataSpecInput {
  const fractionOf = (what: string): number | undefined => {
    if (split === undefined) return undefined;
    const f = parseDecimal(split);
    if (!(f > 0 && f < 1))
      throw new InputError(`must be ${what} or a test fraction between 0 and 1 such as 0.2, got ${JSON.stringify(split)}`, "--split");
    return f;
  };
  if (p === "synthetic") {
    const f = fractionOf("omitted");
    return f === undefined ? { kind: "synthetic" } : { kind: "synthetic", testFraction: f };
  }
  const stat = statOrUndefined(p, "data path");
  if (!stat) {
    throw new InputError(
      `no such file or folder (expected a MovieLens 100K folder, a folder with train.csv + test.csv, a ratings file, or the word "synthetic")`,
      p,
    );
  }
  if (stat.isDirectory()) {
    try {
      fs.accessSync(p, fs.constants.R_OK | fs.constants.X_OK);
    } catch (e) {
      throw fileError(e, p, "data folder");
    }
    const has = (name: string) => fs.existsSync(path.join(p, name));
    if (has("u.data") || has("u1.base")) {
      if (split === undefined) return { kind: "movielens-100k", path: p }; // u1 by default; a spec's folds may then use u1…u5
      if ((ML100K_SPLITS as readonly string[]).includes(split)) return { kind: "movielens-100k", path: p, split: split as Ml100kSplit };
      const f = fractionOf("one of u1..u5, ua, ub, holdout");
      return { kind: "movielens-100k", path: p, split: "holdout", testFraction: f };
    }
    if (has("train.csv") && has("test.csv")) {
      if (split !== undefined) {
        throw new InputError(`does not apply: ${p} has its own split (train.csv + test.csv)`, "--split");
      }
      return { kind: "train-test", train: path.join(p, "train.csv"), test: path.join(p, "test.csv") };
    }
    throw new InputError(`folder has neither MovieLens 100K files (u.data or u1.base) nor train.csv + test.csv`, p);
  }
  if (split === "holdout") return { kind: "ratings-file", path: p, testFraction: DEFAULT_TEST_FRACTION };
  return { kind: "ratings-file", path: p, testFraction: fractionOf("holdout") ?? DEFAULT_TEST_FRACTION };
}

/** One line for logs, e.g. `MovieLens 100K fold u1 (ml-100k/u1.base + u1.test)`. */
export function describeDataSpec(input: DataSpecInput | DataSpec): string {
  const spec = validateDataSpec(input);
  const pct = (f: number | undefined) => `${+((f ?? DEFAULT_TEST_FRACTION) * 100).toFixed(2)}%`;
  const seed = (x: number | undefined) => x ?? DEFAULT_DATA_SEED;
  const fmt = (s: RatingsFileDataSpec | TrainTestDataSpec) =>
    [
      s.format ? `format ${s.format}` : "",
      s.delimiter ? `delimiter ${JSON.stringify(s.delimiter)}` : "",
      s.ratingScale ? `scale [${s.ratingScale[0]}, ${s.ratingScale[1]}]` : "",
      s.outOfScale ? `out-of-scale ${s.outOfScale}` : "",
      s.duplicates ? `duplicates ${s.duplicates}` : "",
    ]
      .filter(Boolean)
      .join(", ");
  switch (spec.kind) {
    case "synthetic": {
      const d = SYNTHETIC_DEFAULTS;
      return (
        `synthetic: ${spec.nUsers ?? d.nUsers} users × ${spec.nItems ?? d.nItems} items, ${spec.nRatings ?? d.nRatings} ratings, ` +
        `rank ${spec.rank ?? d.rank}, noise ${spec.noise ?? d.noise}; random ${pct(spec.testFraction)} test (seed ${seed(spec.seed)})`
      );
    }
    case "movielens-100k":
      return spec.split === "holdout"
        ? `MovieLens 100K ${path.join(spec.path, "u.data")}: random ${pct(spec.testFraction)} test (seed ${seed(spec.seed)})`
        : `MovieLens 100K fold ${spec.split} (${path.join(spec.path, `${spec.split}.base`)} + ${spec.split}.test)`;
    case "ratings-file": {
      const f = fmt(spec);
      return `ratings file ${spec.path}${f ? ` (${f})` : ""}: random ${pct(spec.testFraction)} test (seed ${seed(spec.seed)})`;
    }
    case "train-test": {
      const f = fmt(spec);
      return `train ${spec.train} + test ${spec.test}${f ? ` (${f})` : ""}`;
    }
  }
}
