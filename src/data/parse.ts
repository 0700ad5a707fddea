/**
 * Ratings file parsers: text → raw (user id, item id, rating[, timestamp]) triples, with the 1-based source line
 * of every row so later checks (duplicates, train/test overlap) can point back into the file.
 *
 * Formats:
 * - `"udata"`: MovieLens 100K `u.data` / `u1.base` / `u1.test`: `user<TAB>item<TAB>rating<TAB>timestamp`, no header.
 *   A first line that is evidently a header (its rating and timestamp fields are words, e.g.
 *   `user\titem\trating\ttimestamp`) is skipped with a warning.
 * - `"ratings-dat"`: MovieLens 1M/10M `ratings.dat`: `user::item::rating::timestamp`, no header (same header rule).
 * - `"ratings-csv"`: MovieLens `ratings.csv`: header `userId,movieId,rating,timestamp` (timestamp optional).
 * - `"csv"`: generic delimited text with a header row. Columns are found by name ({@link CsvColumns}; by default
 *   user/userId/user_id, item/itemId/movieId/item_id/movie_id, rating, timestamp — case-insensitive). The
 *   delimiter is sniffed from the header (tab, `;`, `|` or `,`) unless given. Double-quoted fields (with `""`
 *   escapes) are allowed; spaces and tabs around fields are trimmed. A file whose first line is
 *   {@link isHeaderlessRow headerless-looking} is read with positional columns user, item, rating[, timestamp].
 *
 * Every format is read by ./delimited.ts, the reader the streaming loader (./stream.ts) uses too — its rules
 * for lines (UTF-8 BOM, CRLF, blank lines, a carriage return or NUL byte inside a line), quoting, numbers and
 * UTF-8 (a field that is not valid UTF-8 is an error, never a U+FFFD that could merge two ids) hold here; lines
 * are at most {@link MAX_LINE_BYTES} long. `udata` and `ratings-dat` fields are exact (no quoting, no trimming);
 * the CSV formats quote and trim.
 *
 * Files are streamed: {@link readRatingsFile} reads 4 MiB at a time into the parser (only regular files: a
 * FIFO, device or socket is refused, see ../core/files.ts), which interns ids as it goes ({@link IndexedRatings},
 * ≈ 28 bytes per rating), so a file's size is bounded by memory alone — no whole-file buffer (node refuses more
 * than 2 GiB), no string per row.
 * Errors are {@link ParseError}s `file:line:column: reason`, where column is the 1-based field number.
 * Ratings must be finite decimal numbers (`NaN`, `Infinity`, hex and empty fields are refused).
 *
 * Ids are strings, compared exactly: `"1.5"`, `"99999999999999999999"` or `"alice"` are ordinary ids, never
 * converted to numbers (so `"01"` and `"1"` are two different users; no precision is lost on long ids). An empty
 * user or item field is an error.
 *
 * Input policies ({@link ParseOptions}; every outcome other than an error is reported through `onWarning`):
 * - `duplicates` — a (user, item) pair on more than one row of the file. `"error"` (default): ParseError at the
 *   earliest repeated row, listing the first {@link MAX_LISTED} repeats with their lines and the total count.
 *   `"keep-last"`: only the last row of each pair is kept (its rating, timestamp, line and position).
 *   `"mean"`: one row per pair at its first position and line, rating = the mean of the pair's ratings,
 *   timestamp = the latest one.
 * - `ratingScale: [lo, hi]` — the declared scale (default: none, nothing is checked). `outOfScale`:
 *   `"error"` (default): ParseError `file:line:column` at the first rating outside [lo, hi], with the count;
 *   `"clip"`: such ratings are clamped to lo / hi.
 * Duplicates are resolved before the scale check (so `"mean"` averages the raw ratings).
 *
 * Cost: one pass over the bytes, O(bytes); no regular expressions per field; duplicate detection O(rows + ids)
 * on the interned ids (counting sort by user, one stamp per item).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { InputError, ParseError } from "../core/errors";
import { type OpenFile, openRegularFile, readFileChunks } from "../core/files";
import { DelimitedReader, FieldIds, decimalAt } from "./delimited";

export const RATINGS_FORMATS = ["udata", "ratings-csv", "ratings-dat", "csv"] as const;
export type RatingsFormat = (typeof RATINGS_FORMATS)[number];

/** Raw triples as read from one file, in file order. */
export interface RawRatings {
  /** The file name used in messages. */
  file: string;
  users: string[];
  items: string[];
  ratings: Float64Array;
  timestamps?: Float64Array;
  /** 1-based source line of each row. */
  lines: Int32Array;
}

/**
 * Rows of one file with their ids interned — the form the parsers produce and the loader uses (./load.ts):
 * row k is user `userIds[users[k]]`, item `itemIds[items[k]]`. No string per row, so a file of 100 million
 * ratings fits in typed arrays (≈ 28 bytes per row). {@link RawRatings} spells the ids out per row.
 */
export interface IndexedRatings {
  file: string;
  /** Distinct user ids (exact text) in order of first appearance. */
  userIds: string[];
  itemIds: string[];
  /** Per row: an index into userIds / itemIds. */
  users: Int32Array;
  items: Int32Array;
  ratings: Float64Array;
  timestamps?: Float64Array;
  /** 1-based source line of each row. */
  lines: Int32Array;
}

/** Header names of the columns to read (generic `"csv"`). */
export interface CsvColumns {
  user?: string;
  item?: string;
  rating?: string;
  /** When given, the column must exist; by default a `timestamp` column is read if present. */
  timestamp?: string;
}

export const DUPLICATE_POLICIES = ["error", "keep-last", "mean"] as const;
/** What to do with a (user, item) pair rated on more than one row (default `"error"`). */
export type DuplicatePolicy = (typeof DUPLICATE_POLICIES)[number];
export const OUT_OF_SCALE_POLICIES = ["error", "clip"] as const;
/** What to do with a rating outside the declared scale (default `"error"`). */
export type OutOfScalePolicy = (typeof OUT_OF_SCALE_POLICIES)[number];

/** How many repeated rows a duplicates error lists. */
export const MAX_LISTED = 5;

/** The input policies shared by {@link ParseOptions} and the file data specs (see the module doc). */
export interface InputPolicies {
  /** Default `"error"`. */
  duplicates?: DuplicatePolicy;
  /** Declared rating scale [lo, hi], lo < hi, both finite. Default: none (no scale check). */
  ratingScale?: readonly [number, number];
  /** Only with `ratingScale`. Default `"error"`. */
  outOfScale?: OutOfScalePolicy;
}

export interface ParseOptions extends InputPolicies {
  /** Default: {@link detectFormat} from the file name and first line. */
  format?: RatingsFormat;
  /** Field delimiter for `"csv"` (a single character or `"\t"`); default: sniffed from the header. */
  delimiter?: string;
  /** Column names for `"csv"`. */
  columns?: CsvColumns;
  /**
   * Receives one message per non-fatal event (a skipped header line, merged duplicates, clipped ratings), each
   * starting with the file name. Default: ignored by the parser (loadDataset supplies its own).
   */
  onWarning?: (message: string) => void;
}

export interface ReadOptions extends ParseOptions {
  /** Name of the file in error messages (default: the path as given). */
  displayName?: string;
}

const DEFAULT_COLUMNS: Required<Record<keyof CsvColumns, readonly string[]>> = {
  user: ["user", "userId", "user_id"],
  item: ["item", "itemId", "movieId", "item_id", "movie_id"],
  rating: ["rating"],
  timestamp: ["timestamp"],
};

const ML_CSV_COLUMNS: CsvColumns = { user: "userId", item: "movieId", rating: "rating" };

/**
 * Parse ratings text, then apply the input policies (duplicates first, then the rating scale).
 * @param file name used in error messages
 * @throws ParseError on the first malformed line, a NUL byte, `no ratings found (…)` when there are no data rows,
 *   duplicate pairs (policy "error"), ratings outside `ratingScale` (policy "error"); InputError for an unknown
 *   format or policy value or a malformed `ratingScale`
 */
export function parseRatings(text: string, file: string, options: ParseOptions = {}): RawRatings {
  const format = options.format ?? detectFormat(file, text.slice(0, 4096));
  const bytes = Buffer.from(text, "utf8");
  return spellOut(
    parseChunks(file, { ...options, format }, (push, reserve) => {
      reserve(bytes.length);
      push(bytes, bytes.length);
    }),
  );
}

/**
 * Parse the bytes `feed` pushes in chunks of any size, then apply the input policies: the one path of every
 * file and text. `feed` may first `reserve` the input's size in bytes (to size the output arrays, which grow
 * as needed).
 */
function parseChunks(
  file: string,
  options: ParseOptions & { format: RatingsFormat },
  feed: (push: (chunk: Uint8Array, length: number) => void, reserve: (bytes: number) => void) => void,
): IndexedRatings {
  checkPolicies(options, file);
  const format = options.format;
  const warn = options.onWarning ?? (() => {});
  const sink = new RowSink();
  let parser: RowParser;
  switch (format) {
    case "udata":
      parser = fixedParser(sink, file, "\t", "tab-separated", "user item rating timestamp", warn);
      break;
    case "ratings-dat":
      parser = fixedParser(sink, file, "::", `"::"-separated`, "user::item::rating::timestamp", warn);
      break;
    case "ratings-csv":
      parser = csvParser(sink, file, ",", ML_CSV_COLUMNS);
      break;
    case "csv":
      parser = csvParser(sink, file, options.delimiter, options.columns ?? {});
      break;
    default:
      throw new InputError(`unknown ratings format ${JSON.stringify(format)} (known: ${RATINGS_FORMATS.join(", ")})`, file);
  }
  feed(
    (chunk, length) => parser.reader.push(chunk, length),
    (bytes) => sink.reserve(Math.ceil(bytes / 20)),
  );
  parser.reader.end();
  const parsed = parser.finish();
  const merged = resolveDuplicates(parsed.raw, options.duplicates ?? "error", warn);
  if (options.ratingScale) checkScale(merged, options.ratingScale, options.outOfScale ?? "error", parsed.ratingColumn, warn);
  return merged;
}

/** A format's line handler on a {@link DelimitedReader}: push the input into `reader`, end it, then `finish`. */
interface RowParser {
  reader: DelimitedReader;
  finish(): Parsed;
}

/** A parse result plus the 1-based field number of the rating (for scale messages). */
interface Parsed {
  raw: IndexedRatings;
  ratingColumn: number;
}

/** The ids of each row spelled out (the public {@link RawRatings}). */
export function spellOut(ix: IndexedRatings): RawRatings {
  const raw: RawRatings = {
    file: ix.file,
    users: Array.from(ix.users, (u) => ix.userIds[u]),
    items: Array.from(ix.items, (i) => ix.itemIds[i]),
    ratings: ix.ratings,
    lines: ix.lines,
  };
  if (ix.timestamps) raw.timestamps = ix.timestamps;
  return raw;
}

/** Per-row ids interned (for ratings built in memory, such as synthetic data). */
export function indexRatings(raw: RawRatings): IndexedRatings {
  const u = internIds(raw.users);
  const it = internIds(raw.items);
  const ix: IndexedRatings = {
    file: raw.file,
    userIds: u.distinct,
    itemIds: it.distinct,
    users: u.rows,
    items: it.rows,
    ratings: raw.ratings,
    lines: raw.lines,
  };
  if (raw.timestamps) ix.timestamps = raw.timestamps;
  return ix;
}

/** The distinct ids in order of first appearance, and each row's index into them. */
function internIds(ids: readonly string[]): { distinct: string[]; rows: Int32Array } {
  const index = new Map<string, number>();
  const distinct: string[] = [];
  const rows = new Int32Array(ids.length);
  for (let k = 0; k < ids.length; k++) {
    let i = index.get(ids[k]);
    if (i === undefined) {
      i = distinct.push(ids[k]) - 1;
      index.set(ids[k], i);
    }
    rows[k] = i;
  }
  return { distinct, rows };
}

/** @throws InputError for a policy value that is not one of the known ones or a malformed scale */
function checkPolicies(o: ParseOptions, file: string): void {
  const oneOf = (key: string, v: unknown, known: readonly string[]) => {
    if (v !== undefined && !known.includes(v as string)) {
      throw new InputError(`${key} must be one of ${known.map((k) => JSON.stringify(k)).join(", ")}, got ${JSON.stringify(v)}`, file);
    }
  };
  oneOf("duplicates", o.duplicates, DUPLICATE_POLICIES);
  oneOf("outOfScale", o.outOfScale, OUT_OF_SCALE_POLICIES);
  const sc = o.ratingScale;
  if (sc !== undefined) {
    if (!Array.isArray(sc) || sc.length !== 2 || !sc.every((x) => typeof x === "number" && Number.isFinite(x)) || !(sc[0] < sc[1])) {
      throw new InputError(`ratingScale must be [min, max] with finite numbers min < max, got ${JSON.stringify(sc)}`, file);
    }
  }
}

/** Row k of a file as `user U, item I`. */
function pairName(raw: IndexedRatings, k: number): string {
  return `user ${raw.userIds[raw.users[k]]}, item ${raw.itemIds[raw.items[k]]}`;
}

/**
 * For every row, the row index of the first row with the same (user, item) pair, or -1 when the row is the first
 * (or only) one. Ids are interned to integers, rows grouped by user with a stable counting sort, then one stamp
 * per item: O(rows + users + items), no per-row allocation beyond the id maps.
 */
export function firstOccurrences(users: readonly string[], items: readonly string[]): Int32Array {
  const u = internIds(users);
  const it = internIds(items);
  return firstOccurrencesOf(u.rows, it.rows, u.distinct.length, it.distinct.length);
}

/** {@link firstOccurrences} of interned ids: `u[k] < nUsers`, `it[k] < nItems`. */
function firstOccurrencesOf(u: Int32Array, it: Int32Array, nUsers: number, nItems: number): Int32Array {
  const n = u.length;
  const ptr = new Int32Array(nUsers + 1);
  for (let k = 0; k < n; k++) ptr[u[k] + 1]++;
  for (let a = 0; a < nUsers; a++) ptr[a + 1] += ptr[a];
  const order = new Int32Array(n);
  const next = ptr.slice(0, nUsers);
  for (let k = 0; k < n; k++) order[next[u[k]]++] = k;
  const stamp = new Int32Array(nItems).fill(-1);
  const firstAt = new Int32Array(nItems);
  const first = new Int32Array(n).fill(-1);
  for (let a = 0; a < nUsers; a++) {
    for (let t = ptr[a]; t < ptr[a + 1]; t++) {
      const k = order[t];
      const b = it[k];
      if (stamp[b] !== a) {
        stamp[b] = a;
        firstAt[b] = k;
      } else first[k] = firstAt[b];
    }
  }
  return first;
}

/** Apply the duplicates policy (see the module doc). Returns `raw` itself when there are no duplicates. */
function resolveDuplicates(raw: IndexedRatings, policy: DuplicatePolicy, warn: (m: string) => void): IndexedRatings {
  const first = firstOccurrencesOf(raw.users, raw.items, raw.userIds.length, raw.itemIds.length);
  const n = first.length;
  let repeats = 0;
  for (let k = 0; k < n; k++) if (first[k] >= 0) repeats++;
  if (repeats === 0) return raw;
  const file = raw.file;
  const describeRepeat = (k: number) => `line ${raw.lines[k]} (${pairName(raw, k)}, first at line ${raw.lines[first[k]]})`;
  let k0 = 0;
  while (first[k0] < 0) k0++;
  if (policy === "error") {
    const listed: string[] = [];
    for (let k = k0 + 1; k < n && listed.length < MAX_LISTED - 1; k++) if (first[k] >= 0) listed.push(describeRepeat(k));
    const more = repeats === 1 ? "" : `; ${repeats} repeated rows in all, also ${listed.join(", ")}${repeats > listed.length + 1 ? ", …" : ""}`;
    throw new ParseError(
      file,
      raw.lines[k0],
      undefined,
      `duplicate rating for ${pairName(raw, k0)} (first at line ${raw.lines[first[k0]]})${more}; ` +
        `set "duplicates" to "keep-last" or "mean" to merge repeated ratings`,
    );
  }
  // Per pair (identified by its first row): how many rows, their rating sum, the last row.
  const count = new Int32Array(n);
  const sum = new Float64Array(n);
  const last = new Int32Array(n);
  const ts = raw.timestamps;
  const latest = ts ? new Float64Array(n).fill(-Infinity) : undefined;
  for (let k = 0; k < n; k++) {
    const g = first[k] < 0 ? k : first[k];
    count[g]++;
    sum[g] += raw.ratings[k];
    last[g] = k;
    if (latest && ts![k] > latest[g]) latest[g] = ts![k];
  }
  let pairs = 0;
  for (let k = 0; k < n; k++) if (first[k] < 0 && count[k] > 1) pairs++;
  const keep = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    const g = first[k] < 0 ? k : first[k];
    keep[k] = policy === "keep-last" ? (last[g] === k ? 1 : 0) : first[k] < 0 ? 1 : 0;
  }
  const m = n - repeats;
  const out: IndexedRatings = {
    file,
    userIds: raw.userIds,
    itemIds: raw.itemIds,
    users: new Int32Array(m),
    items: new Int32Array(m),
    ratings: new Float64Array(m),
    lines: new Int32Array(m),
  };
  if (raw.timestamps) out.timestamps = new Float64Array(m);
  let e = 0;
  for (let k = 0; k < n; k++) {
    if (!keep[k]) continue;
    out.users[e] = raw.users[k];
    out.items[e] = raw.items[k];
    out.lines[e] = raw.lines[k];
    if (policy === "mean") {
      out.ratings[e] = sum[k] / count[k];
      if (out.timestamps) out.timestamps[e] = latest![k];
    } else {
      out.ratings[e] = raw.ratings[k];
      if (out.timestamps) out.timestamps[e] = raw.timestamps![k];
    }
    e++;
  }
  warn(
    `${file}: ${repeats} duplicate row${repeats === 1 ? "" : "s"} merged into ${pairs} (user, item) pair${pairs === 1 ? "" : "s"} ` +
      `(duplicates: "${policy}"); first: ${describeRepeat(k0)}`,
  );
  return out;
}

/** Apply the out-of-scale policy in place (see the module doc). */
function checkScale(
  raw: IndexedRatings,
  scale: readonly [number, number],
  policy: OutOfScalePolicy,
  column: number,
  warn: (m: string) => void,
): void {
  const [lo, hi] = scale;
  const r = raw.ratings;
  let bad = 0;
  let k0 = -1;
  for (let k = 0; k < r.length; k++) {
    if (r[k] < lo || r[k] > hi) {
      if (k0 < 0) k0 = k;
      bad++;
    }
  }
  if (bad === 0) return;
  const firstValue = r[k0];
  const others = bad === 1 ? "" : ` (${bad} ratings in all are outside it)`;
  if (policy === "error") {
    throw new ParseError(
      raw.file,
      raw.lines[k0],
      column,
      `rating ${firstValue} is outside the declared rating scale [${lo}, ${hi}]${others}; ` +
        `set "outOfScale" to "clip" to clamp such ratings, or declare a wider "ratingScale"`,
    );
  }
  for (let k = 0; k < r.length; k++) r[k] = r[k] < lo ? lo : r[k] > hi ? hi : r[k];
  warn(
    `${raw.file}: clipped ${bad} rating${bad === 1 ? "" : "s"} outside [${lo}, ${hi}] (outOfScale: "clip"); ` +
      `first: line ${raw.lines[k0]}, ${firstValue} → ${r[k0]}`,
  );
}

/**
 * Read and parse a ratings file (synchronously; MovieLens 100K takes a few tens of milliseconds).
 * @throws InputError when the path is missing, unreadable or not a regular file (../core/files.ts); ParseError
 *   for malformed content
 */
export function readRatingsFile(filePath: string, options: ReadOptions = {}): RawRatings {
  return spellOut(readRatingsFileIndexed(filePath, options));
}

/** Bytes per read of a ratings file. */
const CHUNK_BYTES = 4 << 20;
/**
 * Longest line of a ratings file, in bytes: a longer one is an error, so a file without line ends (or a binary
 * one) cannot fill memory.
 */
export const MAX_LINE_BYTES = 1 << 20;

/**
 * {@link readRatingsFile} with interned ids (what the loader uses). The file is streamed: read in chunks of
 * 4 MiB (`chunkBytes`) straight into the parser, never held whole, so its size is bounded only by the output
 * arrays (≈ 28 bytes per rating: a 2 GB MovieLens-style file of 75 million ratings takes ≈ 2 GB).
 * @throws as {@link readRatingsFile}
 */
export function readRatingsFileIndexed(filePath: string, options: ReadOptions & { chunkBytes?: number } = {}): IndexedRatings {
  const name = options.displayName ?? filePath;
  const format = options.format ?? detectFormat(filePath);
  return parseChunks(name, { ...options, format }, (push, reserve) =>
    readFileChunks(filePath, "ratings file", push, { name, chunkBytes: options.chunkBytes ?? CHUNK_BYTES, onOpen: reserve }),
  );
}

/**
 * Guess the format of a ratings file from its name, then its first line.
 * `u.data`, `*.base`, `*.test` → udata; `ratings.dat` / `*.dat` → ratings-dat; `ratings.csv` → ratings-csv;
 * other `*.csv` / `*.tsv` → ratings-csv when the header is exactly MovieLens's, else csv. Anything else is sniffed:
 * `::` → ratings-dat, four tab-separated numbers → udata, otherwise csv.
 * @param head the start of the file; read from disk (first 4 KB) when omitted and needed
 */
export function detectFormat(filePath: string, head?: string): RatingsFormat {
  const base = path.basename(filePath).toLowerCase();
  if (base === "u.data" || base.endsWith(".base") || base.endsWith(".test")) return "udata";
  if (base.endsWith(".dat")) return "ratings-dat";
  if (base === "ratings.csv") return "ratings-csv";
  const first = firstLine(head ?? readHead(filePath));
  if (base.endsWith(".csv") || base.endsWith(".tsv")) {
    return /^"?userId"?,"?movieId"?,"?rating"?(,"?timestamp"?)?$/.test(first) ? "ratings-csv" : "csv";
  }
  if (first.includes("::")) return "ratings-dat";
  const tab = first.split("\t");
  if (tab.length === 4 && tab.every((f) => f.length > 0 && !Number.isNaN(parseDecimal(f)))) return "udata";
  return "csv";
}

/** The first 4 KB of a regular file ("" when it cannot be read: reading the file reports why). */
function readHead(filePath: string): string {
  let file: OpenFile | undefined;
  try {
    file = openRegularFile(filePath, "ratings file");
    const buf = Buffer.alloc(4096);
    const n = fs.readSync(file.fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).toString("utf8");
  } catch {
    return "";
  } finally {
    if (file !== undefined) fs.closeSync(file.fd);
  }
}

/** The first non-blank line of `text` as the reader sees lines (./delimited.ts), or "" when there is none. */
function firstLine(text: string): string {
  let first = "";
  const reader = new DelimitedReader({ file: "", delimiter: "\t", quoted: false, columns: "field" }, (r) => {
    if (first === "") first = r.lineText();
  });
  try {
    reader.push(Buffer.from(text, "utf8"));
    reader.end();
  } catch {
    // A NUL byte: the parser reports it, with its line.
  }
  return first;
}

/**
 * Parse a decimal number (`[+-]digits[.digits][e[+-]digits]`, or `.5`); NaN for anything else — the number
 * grammar of every ratings reader ({@link decimalAt} on the text's characters).
 */
export function parseDecimal(s: string): number {
  const bytes = new Uint8Array(s.length);
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c > 127) return NaN;
    bytes[k] = c;
  }
  return decimalAt(bytes, 0, bytes.length);
}

/** Why a numeric field is not acceptable (for messages). */
function badNumber(what: string, s: string): string {
  if (s.length === 0) return `${what} is empty`;
  const t = s.trim().toLowerCase().replace(/^[+-]/, "");
  if (t === "infinity" || t === "inf") return `${what} ${JSON.stringify(s)} is not a finite number`;
  const v = parseDecimal(s);
  if (Number.isFinite(v)) return `${what} ${JSON.stringify(s)} is out of range`;
  if (!Number.isNaN(v)) return `${what} ${JSON.stringify(s)} is not a finite number`;
  return `${what} ${JSON.stringify(s)} is not a number`;
}

/** A parser's output: ids interned as they come, rows in typed arrays (grown × 1.5, trimmed at the end). */
class RowSink {
  private readonly userIds = new FieldIds();
  private readonly itemIds = new FieldIds();
  private users = new Int32Array(1024);
  private items = new Int32Array(1024);
  private ratings = new Float64Array(1024);
  private timestamps = new Float64Array(1024);
  private lines = new Int32Array(1024);
  n = 0;

  /** Make room for `rows` rows. */
  reserve(rows: number): void {
    if (rows <= this.users.length) return;
    const grow = <T extends Int32Array | Float64Array>(a: T, b: T): T => {
      b.set(a.subarray(0, this.n));
      return b;
    };
    this.users = grow(this.users, new Int32Array(rows));
    this.items = grow(this.items, new Int32Array(rows));
    this.ratings = grow(this.ratings, new Float64Array(rows));
    this.timestamps = grow(this.timestamps, new Float64Array(rows));
    this.lines = grow(this.lines, new Int32Array(rows));
  }

  /**
   * A row: user and item ids from fields `ui` and `ii` of the reader's current line.
   * @throws ParseError when an id is not valid UTF-8
   */
  add(r: DelimitedReader, ui: number, ii: number, rating: number, timestamp: number): void {
    if (this.n === this.users.length) this.reserve(Math.ceil(this.n * 1.5) + 1024);
    const k = this.n;
    this.users[k] = this.userIds.of(r, ui, "user id");
    this.items[k] = this.itemIds.of(r, ii, "item id");
    this.ratings[k] = rating;
    this.timestamps[k] = timestamp;
    this.lines[k] = r.lineNumber;
    this.n++;
  }

  /**
   * The rows read, trimmed to size.
   * @param why the reason given when there are no rows, e.g. `the file is empty`
   * @param withTimestamps whether the rows have timestamps
   */
  finish(file: string, lastLine: number, why: string, withTimestamps: boolean): IndexedRatings {
    const n = this.n;
    if (n === 0) throw new ParseError(file, Math.max(1, lastLine), undefined, `no ratings found (${why})`);
    const trim = <T extends Int32Array | Float64Array>(a: T): T => (a.length === n ? a : (a.slice(0, n) as T));
    const out: IndexedRatings = {
      file,
      userIds: this.userIds.ids,
      itemIds: this.itemIds.ids,
      users: trim(this.users),
      items: trim(this.items),
      ratings: trim(this.ratings),
      lines: trim(this.lines),
    };
    if (withTimestamps) out.timestamps = trim(this.timestamps);
    return out;
  }
}

/** Headerless `user SEP item SEP rating SEP timestamp` (udata, ratings-dat): exact fields, no quoting. */
function fixedParser(sink: RowSink, file: string, sep: string, sepName: string, layout: string, warn: (m: string) => void): RowParser {
  let seen = 0; // non-blank lines so far
  let header = false;
  const reader = new DelimitedReader({ file, delimiter: sep, quoted: false, columns: "field", maxLineBytes: MAX_LINE_BYTES }, (r) => {
    seen++;
    const found = r.split();
    if (found !== 4) throw r.lineError(`expected 4 ${sepName} fields (${layout}), found ${found}`);
    const rating = r.number(2);
    const t = r.number(3);
    if (seen === 1 && Number.isNaN(rating) && Number.isNaN(t) && isWord(r.text(2)) && isWord(r.text(3))) {
      header = true;
      warn(`${file}:${r.lineNumber}: skipped a header line (${JSON.stringify(r.lineText())}); ${sepName} ratings files have no header`);
      return;
    }
    if (r.length(0) === 0) throw r.fieldError(0, "user id is empty");
    if (r.length(1) === 0) throw r.fieldError(1, "item id is empty");
    if (!Number.isFinite(rating)) throw r.fieldError(2, badNumber("rating", r.text(2)));
    if (!Number.isFinite(t)) throw r.fieldError(3, badNumber("timestamp", r.text(3)));
    sink.add(r, 0, 1, rating, t);
  });
  return {
    reader,
    finish: () => ({ raw: sink.finish(file, reader.linesRead, header ? "only a header line" : "the file is empty", true), ratingColumn: 3 }),
  };
}

/** A header-like field: starts with a letter or `_` and is made of letters, digits, `_`, `-`, `.`, spaces. */
function isWord(s: string): boolean {
  const t = s.trim();
  if (t.length === 0 || t.length > 64) return false;
  const c0 = t.charCodeAt(0) | 32;
  if (!((c0 >= 97 && c0 <= 122) || t.charCodeAt(0) === 95)) return false;
  const lower = t.toLowerCase();
  if (lower === "nan" || lower === "inf" || lower === "infinity") return false;
  for (let k = 1; k < t.length; k++) {
    const c = t.charCodeAt(k);
    const l = c | 32;
    if (!((l >= 97 && l <= 122) || (c >= 48 && c <= 57) || c === 95 || c === 45 || c === 46 || c === 32)) return false;
  }
  return true;
}

function delimiterName(d: string): string {
  switch (d) {
    case ",":
      return "comma-separated";
    case "\t":
      return "tab-separated";
    case ";":
      return "semicolon-separated";
    case "|":
      return "pipe-separated";
    default:
      return `${JSON.stringify(d)}-separated`;
  }
}

function sniffDelimiter(header: string): string {
  for (const d of ["\t", ";", "|"]) if (header.includes(d) && !header.includes(",")) return d;
  return ",";
}

function findColumn(header: string[], role: keyof CsvColumns, explicit: string | undefined): number {
  if (explicit !== undefined) {
    let k = header.indexOf(explicit);
    if (k < 0) k = header.findIndex((h) => h.toLowerCase() === explicit.toLowerCase());
    return k;
  }
  const names = DEFAULT_COLUMNS[role].map((s) => s.toLowerCase());
  return header.findIndex((h) => names.includes(h.toLowerCase()));
}

/**
 * Whether the first row of a delimited ratings file is data rather than a header: 3 or 4 fields whose rating
 * (3rd) and timestamp (4th, if any) are numbers. (Shared with the streaming loader's `header: "auto"`.)
 */
export function isHeaderlessRow(fields: readonly string[]): boolean {
  return fields.length >= 3 && fields.length <= 4 && fields.every((f, k) => k < 2 || Number.isFinite(parseDecimal(f)));
}

/** Delimited text with a header row (or a headerless all-numeric file, read positionally). */
function csvParser(sink: RowSink, file: string, delimiter: string | undefined, columns: CsvColumns): RowParser {
  let header: string[] | undefined;
  let headerNo = 0;
  let nFields = 0;
  let sepName = "";
  let layout = "";
  let ui = 0;
  let ii = 1;
  let ri = 2;
  let ti = -1;
  const row = (r: DelimitedReader): void => {
    const found = r.split();
    if (found !== nFields) throw r.lineError(`expected ${nFields} ${sepName} fields (${layout}), found ${found}`);
    if (r.length(ui) === 0) throw r.fieldError(ui, "user id is empty");
    if (r.length(ii) === 0) throw r.fieldError(ii, "item id is empty");
    const rating = r.number(ri);
    if (!Number.isFinite(rating)) throw r.fieldError(ri, badNumber("rating", r.text(ri)));
    let t = 0;
    if (ti >= 0) {
      t = r.number(ti);
      if (!Number.isFinite(t)) throw r.fieldError(ti, badNumber("timestamp", r.text(ti)));
    }
    sink.add(r, ui, ii, rating, t);
  };
  // The first non-blank line is the header (or, headerless, the first row); it fixes the delimiter and layout.
  const first = (r: DelimitedReader): void => {
    if (delimiter !== undefined && delimiter.length === 0) throw new InputError("delimiter must not be empty", file);
    const delim = delimiter ?? sniffDelimiter(r.lineText());
    r.delimiter = delim;
    sepName = delimiterName(delim);
    r.split();
    header = Array.from({ length: r.count }, (_, k) => r.text(k));
    headerNo = r.lineNumber;
    nFields = header.length;
    const headerless = columns.user === undefined && columns.item === undefined && columns.rating === undefined && isHeaderlessRow(header);
    if (headerless) {
      ti = header.length === 4 ? 3 : -1;
      layout = ti >= 0 ? "user, item, rating, timestamp" : "user, item, rating";
      row(r);
      return;
    }
    ui = findColumn(header, "user", columns.user);
    ii = findColumn(header, "item", columns.item);
    ri = findColumn(header, "rating", columns.rating);
    ti = findColumn(header, "timestamp", columns.timestamp);
    const missing = (role: keyof CsvColumns): never => {
      const explicit = columns[role];
      const names = explicit !== undefined ? [explicit] : DEFAULT_COLUMNS[role];
      const alternatives = names.length > 1 ? ` (or ${names.slice(1).join(", ")})` : "";
      throw new ParseError(
        file,
        headerNo,
        undefined,
        `no column ${JSON.stringify(names[0])}${alternatives} in header (columns: ${header!.join(", ")})`,
      );
    };
    if (ui < 0) missing("user");
    if (ii < 0) missing("item");
    if (ri < 0) missing("rating");
    if (ti < 0 && columns.timestamp !== undefined) missing("timestamp");
    layout = header.join(delim === "\t" ? " " : delim);
  };
  const reader = new DelimitedReader({ file, delimiter: delimiter || ",", quoted: true, columns: "field", maxLineBytes: MAX_LINE_BYTES }, (r) =>
    header === undefined ? first(r) : row(r),
  );
  return {
    reader,
    finish: () => {
      if (header === undefined) throw new ParseError(file, Math.max(1, reader.linesRead), undefined, "no ratings found (the file is empty)");
      return { raw: sink.finish(file, reader.linesRead, "only a header line", ti >= 0), ratingColumn: ri + 1 };
    },
  };
}
