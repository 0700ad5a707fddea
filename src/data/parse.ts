/**
 * Ratings file parsers: text → raw (user id, item id, rating[, timestamp]) triples, with the 1-based source line
 * of every row so later checks (duplicates, train/test overlap) can point back into the file.
 *
 * Formats:
 * - `"udata"`: MovieLens 100K `u.data` / `u1.base` / `u1.test`: `user<TAB>item<TAB>rating<TAB>timestamp`, no header.
 * - `"ratings-dat"`: MovieLens 1M/10M `ratings.dat`: `user::item::rating::timestamp`, no header.
 * - `"ratings-csv"`: MovieLens `ratings.csv`: header `userId,movieId,rating,timestamp` (timestamp optional).
 * - `"csv"`: generic delimited text with a header row. Columns are found by name ({@link CsvColumns}; by default
 *   user/userId/user_id, item/itemId/movieId/item_id/movie_id, rating, timestamp — case-insensitive). The
 *   delimiter is sniffed from the header (tab, `;`, `|` or `,`) unless given. Double-quoted fields (with `""`
 *   escapes) are allowed; spaces around unquoted fields are trimmed. A file whose first line is all numbers is
 *   read as headerless with positional columns user, item, rating[, timestamp].
 *
 * Every format: a UTF-8 BOM is ignored, CRLF line ends are accepted, blank lines are skipped.
 * Errors are {@link ParseError}s `file:line:column: reason`, where column is the 1-based field number.
 * Ratings must be finite decimal numbers (`NaN`, `Infinity`, hex and empty fields are refused).
 * Cost: one pass over the text, O(bytes); no regular expressions per field.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { InputError, ParseError } from "../errors";

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

/** Header names of the columns to read (generic `"csv"`). */
export interface CsvColumns {
  user?: string;
  item?: string;
  rating?: string;
  /** When given, the column must exist; by default a `timestamp` column is read if present. */
  timestamp?: string;
}

export interface ParseOptions {
  /** Default: {@link detectFormat} from the file name and first line. */
  format?: RatingsFormat;
  /** Field delimiter for `"csv"` (a single character or `"\t"`); default: sniffed from the header. */
  delimiter?: string;
  /** Column names for `"csv"`. */
  columns?: CsvColumns;
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
 * Parse ratings text.
 * @param file name used in error messages
 * @throws ParseError on the first malformed line, or `no ratings found` when there are no data rows
 */
export function parseRatings(text: string, file: string, options: ParseOptions = {}): RawRatings {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const format = options.format ?? detectFormat(file, text.slice(0, 4096));
  switch (format) {
    case "udata":
      return parseFixed(text, file, "\t", "tab-separated", "user item rating timestamp");
    case "ratings-dat":
      return parseFixed(text, file, "::", `"::"-separated`, "user::item::rating::timestamp");
    case "ratings-csv":
      return parseCsv(text, file, ",", ML_CSV_COLUMNS);
    case "csv":
      return parseCsv(text, file, options.delimiter, options.columns ?? {});
    default:
      throw new InputError(`unknown ratings format ${JSON.stringify(format)} (known: ${RATINGS_FORMATS.join(", ")})`, file);
  }
}

/**
 * Read and parse a ratings file (synchronously; MovieLens 100K takes a few tens of milliseconds).
 * @throws InputError when the path does not exist or is a folder; ParseError for malformed content
 */
export function readRatingsFile(filePath: string, options: ReadOptions = {}): RawRatings {
  const name = options.displayName ?? filePath;
  let stat: fs.Stats;
  try {
    stat = fs.statSync(filePath);
  } catch {
    throw new InputError("no such file (expected a ratings file)", name);
  }
  if (stat.isDirectory()) throw new InputError("is a folder, expected a ratings file", name);
  const text = fs.readFileSync(filePath, "utf8");
  const format = options.format ?? detectFormat(filePath, text.slice(0, 4096));
  return parseRatings(text, name, { ...options, format });
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

function readHead(filePath: string): string {
  let fd: number | undefined;
  try {
    fd = fs.openSync(filePath, "r");
    const buf = Buffer.alloc(4096);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).toString("utf8");
  } catch {
    return "";
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function firstLine(text: string): string {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  for (const line of text.split("\n")) {
    const t = line.replace(/\r$/, "");
    if (t.trim().length > 0) return t;
  }
  return "";
}

/**
 * Parse a decimal number (`[+-]digits[.digits][e[+-]digits]`, or `.5`); NaN for anything else.
 * No regex: a char-code scan, then `Number` on the validated text (single digits take a fast path).
 */
export function parseDecimal(s: string): number {
  const n = s.length;
  if (n === 1) {
    const c = s.charCodeAt(0) - 48;
    return c >= 0 && c <= 9 ? c : NaN;
  }
  let k = 0;
  let c = s.charCodeAt(0);
  if (c === 43 || c === 45) k++; // + -
  let digits = 0;
  while (k < n && (c = s.charCodeAt(k)) >= 48 && c <= 57) {
    k++;
    digits++;
  }
  if (k < n && s.charCodeAt(k) === 46) {
    k++;
    while (k < n && (c = s.charCodeAt(k)) >= 48 && c <= 57) {
      k++;
      digits++;
    }
  }
  if (digits === 0) return NaN;
  if (k < n && ((c = s.charCodeAt(k)) === 101 || c === 69)) {
    k++;
    if (k < n && ((c = s.charCodeAt(k)) === 43 || c === 45)) k++;
    let exp = 0;
    while (k < n && (c = s.charCodeAt(k)) >= 48 && c <= 57) {
      k++;
      exp++;
    }
    if (exp === 0) return NaN;
  }
  if (k !== n) return NaN;
  return Number(s);
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

/** Growable output buffers (typed arrays sized from a newline count, trimmed at the end). */
class RowSink {
  readonly users: string[] = [];
  readonly items: string[] = [];
  ratings: Float64Array;
  timestamps: Float64Array | undefined;
  lines: Int32Array;
  n = 0;
  constructor(capacity: number, withTimestamps: boolean) {
    this.ratings = new Float64Array(capacity);
    this.lines = new Int32Array(capacity);
    this.timestamps = withTimestamps ? new Float64Array(capacity) : undefined;
  }
  finish(file: string, lastLine: number): RawRatings {
    if (this.n === 0) throw new ParseError(file, Math.max(1, lastLine), undefined, "no ratings found");
    const out: RawRatings = {
      file,
      users: this.users,
      items: this.items,
      ratings: this.ratings.slice(0, this.n),
      lines: this.lines.slice(0, this.n),
    };
    if (this.timestamps) out.timestamps = this.timestamps.slice(0, this.n);
    return out;
  }
}

function countLines(text: string): number {
  let n = 1;
  let p = -1;
  while ((p = text.indexOf("\n", p + 1)) !== -1) n++;
  return n;
}

function isBlank(line: string): boolean {
  for (let k = 0; k < line.length; k++) {
    const c = line.charCodeAt(k);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

/** Iterate lines: calls `fn(line, lineNumber)` for every non-blank line, CR stripped. Returns the line count. */
function eachLine(text: string, fn: (line: string, lineNo: number) => void, start = 0, lineNo = 0): number {
  const n = text.length;
  while (start < n) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = n;
    lineNo++;
    const stop = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    if (stop > start) {
      const line = text.slice(start, stop);
      if (!isBlank(line)) fn(line, lineNo);
    }
    start = end + 1;
  }
  return lineNo;
}

/** Headerless `user SEP item SEP rating SEP timestamp` (udata, ratings-dat). */
function parseFixed(text: string, file: string, sep: string, sepName: string, layout: string): RawRatings {
  const sink = new RowSink(countLines(text), true);
  const sepLen = sep.length;
  const timestamps = sink.timestamps as Float64Array;
  const lastLine = eachLine(text, (line, lineNo) => {
    const a = line.indexOf(sep);
    const b = a < 0 ? -1 : line.indexOf(sep, a + sepLen);
    const c = b < 0 ? -1 : line.indexOf(sep, b + sepLen);
    if (c < 0 || line.indexOf(sep, c + sepLen) >= 0) {
      const found = line.split(sep).length;
      throw new ParseError(file, lineNo, undefined, `expected 4 ${sepName} fields (${layout}), found ${found}`);
    }
    const user = line.slice(0, a);
    const item = line.slice(a + sepLen, b);
    const rs = line.slice(b + sepLen, c);
    const ts = line.slice(c + sepLen);
    if (user.length === 0) throw new ParseError(file, lineNo, 1, "user id is empty");
    if (item.length === 0) throw new ParseError(file, lineNo, 2, "item id is empty");
    const r = parseDecimal(rs);
    if (!Number.isFinite(r)) throw new ParseError(file, lineNo, 3, badNumber("rating", rs));
    const t = parseDecimal(ts);
    if (!Number.isFinite(t)) throw new ParseError(file, lineNo, 4, badNumber("timestamp", ts));
    const k = sink.n++;
    sink.users.push(user);
    sink.items.push(item);
    sink.ratings[k] = r;
    timestamps[k] = t;
    sink.lines[k] = lineNo;
  });
  return sink.finish(file, lastLine);
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

/**
 * Split one line into fields. Unquoted fields are trimmed; a field that starts with `"` runs to the matching
 * quote (`""` is a literal quote) and must be followed by the delimiter or the end of the line.
 */
function splitFields(line: string, delim: string, file: string, lineNo: number): string[] {
  if (line.indexOf('"') < 0) {
    const parts = line.split(delim);
    for (let k = 0; k < parts.length; k++) parts[k] = parts[k].trim();
    return parts;
  }
  const out: string[] = [];
  const n = line.length;
  let k = 0;
  for (;;) {
    while (k < n && line.charCodeAt(k) === 32) k++;
    if (k < n && line.charCodeAt(k) === 34) {
      const field = out.length + 1;
      let value = "";
      let p = k + 1;
      for (;;) {
        const q = line.indexOf('"', p);
        if (q < 0) throw new ParseError(file, lineNo, field, "unterminated quoted field (no closing \")");
        value += line.slice(p, q);
        if (line.charCodeAt(q + 1) === 34) {
          value += '"';
          p = q + 2;
          continue;
        }
        k = q + 1;
        break;
      }
      while (k < n && line.charCodeAt(k) === 32) k++;
      out.push(value);
      if (k >= n) return out;
      if (!line.startsWith(delim, k)) {
        throw new ParseError(file, lineNo, field, `unexpected ${JSON.stringify(line[k])} after a closing quote (expected ${JSON.stringify(delim)})`);
      }
      k += delim.length;
    } else {
      const d = line.indexOf(delim, k);
      const end = d < 0 ? n : d;
      out.push(line.slice(k, end).trim());
      if (d < 0) return out;
      k = d + delim.length;
    }
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

/** Delimited text with a header row (or a headerless all-numeric file, read positionally). */
function parseCsv(
  text: string,
  file: string,
  delimiter: string | undefined,
  columns: CsvColumns,
): RawRatings {
  // Find the first non-blank line: the header.
  let headerLine = "";
  let headerNo = 0;
  let bodyStart = 0;
  {
    let start = 0;
    let lineNo = 0;
    while (start < text.length) {
      let end = text.indexOf("\n", start);
      if (end === -1) end = text.length;
      lineNo++;
      const line = text.slice(start, end).replace(/\r$/, "");
      start = end + 1;
      if (!isBlank(line)) {
        headerLine = line;
        headerNo = lineNo;
        break;
      }
    }
    bodyStart = start;
    if (headerNo === 0) throw new ParseError(file, Math.max(1, lineNo), undefined, "no ratings found (the file is empty)");
  }
  if (delimiter !== undefined && delimiter.length === 0) throw new InputError("delimiter must not be empty", file);
  const delim = delimiter ?? sniffDelimiter(headerLine);
  const sepName = delimiterName(delim);
  const header = splitFields(headerLine, delim, file, headerNo);
  const headerless =
    columns.user === undefined &&
    columns.item === undefined &&
    columns.rating === undefined &&
    header.length >= 3 &&
    header.length <= 4 &&
    header.every((h, k) => k < 2 || Number.isFinite(parseDecimal(h))) &&
    Number.isFinite(parseDecimal(header[2]));
  let ui: number, ii: number, ri: number, ti: number;
  let layout: string;
  if (headerless) {
    ui = 0;
    ii = 1;
    ri = 2;
    ti = header.length === 4 ? 3 : -1;
    layout = ti >= 0 ? "user, item, rating, timestamp" : "user, item, rating";
  } else {
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
        `no column ${JSON.stringify(names[0])}${alternatives} in header (columns: ${header.join(", ")})`,
      );
    };
    if (ui < 0) missing("user");
    if (ii < 0) missing("item");
    if (ri < 0) missing("rating");
    if (ti < 0 && columns.timestamp !== undefined) missing("timestamp");
    layout = header.join(delim === "\t" ? " " : delim);
  }
  const nFields = header.length;
  const sink = new RowSink(countLines(text), ti >= 0);
  const timestamps = sink.timestamps;
  const handle = (line: string, lineNo: number): void => {
    const f = splitFields(line, delim, file, lineNo);
    if (f.length !== nFields) {
      throw new ParseError(file, lineNo, undefined, `expected ${nFields} ${sepName} fields (${layout}), found ${f.length}`);
    }
    const user = f[ui];
    const item = f[ii];
    if (user.length === 0) throw new ParseError(file, lineNo, ui + 1, "user id is empty");
    if (item.length === 0) throw new ParseError(file, lineNo, ii + 1, "item id is empty");
    const rs = f[ri];
    const r = parseDecimal(rs);
    if (!Number.isFinite(r)) throw new ParseError(file, lineNo, ri + 1, badNumber("rating", rs));
    const k = sink.n++;
    if (timestamps) {
      const ts = f[ti];
      const t = parseDecimal(ts);
      if (!Number.isFinite(t)) throw new ParseError(file, lineNo, ti + 1, badNumber("timestamp", ts));
      timestamps[k] = t;
    }
    sink.users.push(user);
    sink.items.push(item);
    sink.ratings[k] = r;
    sink.lines[k] = lineNo;
  };
  if (headerless) handle(headerLine, headerNo);
  const lastLine = eachLine(text, handle, bodyStart, headerNo);
  return sink.finish(file, lastLine);
}
