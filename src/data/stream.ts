/**
 * Streaming loader for large ratings files in MovieLens-25M `ratings.csv` format:
 *
 *   userId,movieId,rating,timestamp        (header; the timestamp column is optional)
 *   1,296,5.0,1147880044
 *
 * The file is read in fixed-size chunks (`chunkBytes`, 4 MiB by default) — {@link streamRatingsFile} with
 * `fs.createReadStream`, {@link readRatingsFileSync} with `fs.readSync` into one reused buffer — by the reader
 * every ratings parser shares (./delimited.ts: CSV quoting and trimming, BOM, CRLF, blank lines, the decimal
 * grammar), which carries a line split across chunks in a buffer of at most 4 KiB: extra memory is the chunk plus
 * that buffer, independent of the file size. Output goes into growable typed arrays (Int32 user / item indices,
 * Float64 or Float32 ratings, optional Float64 timestamps; capacity estimated from the file size, grown ×1.5,
 * trimmed at the end): ≈ 16 bytes per rating with Float64 ratings (400 MB for ML-25M), 12 with Float32.
 *
 * Ids follow the rule of every ratings reader (./parse.ts): exact strings — `01` and `1` are two ids, `1.5`, a
 * 20-digit number or `alice` are ids like any other; an empty id is an error. They are mapped densely in order of
 * first appearance; ids written as integers (the MovieLens case) are looked up by value, without making a
 * string per row. `userIds[u]` / `itemIds[i]` give the id of a dense index.
 * Ratings: decimal numbers (`4`, `3.5`, `-1`, `2.5e0`), parsed exactly as `Number` would, must be finite.
 * Timestamps: non-negative integers of at most 15 digits (stored only with `timestamps: true`).
 * Duplicate (user, item) pairs are NOT detected (that would need memory per rating); use the regular loader's
 * policies for files that may hold duplicates.
 *
 * Errors: a malformed line throws {@link ParseError}(file, line, column, reason) with 1-based line and column
 * (the byte where the offending field starts, or the position where a field is missing), e.g.
 * `ratings.csv:7:5: rating must be a number, got "x"` — at the first bad line; nothing is skipped silently.
 * A header that is present but is not `userId,movieId,rating[,timestamp]` is an error too (`header: false`
 * reads files without one; the default `"auto"` takes the first line as data when it looks like a row — 3 or 4
 * fields with a numeric rating and timestamp, as ./parse.ts decides — and as the header otherwise). Without a
 * header the first line fixes the field count (3 or 4).
 *
 * Progress: `onProgress({ bytesRead, totalBytes, ratings, lines })` after every chunk; {@link readProgressPrinter}
 * draws a one-line display on a terminal stream. Measured on a shared 2-core VM under load: 5M ratings (132 MB) in
 * ≈ 1.5 s (≈ 85 MB/s), peak RSS 215 MB, so ML-25M's 678 MB ratings.csv in ≈ 8 s; `scripts/bench-scale.js --file
 * ratings.csv` loads and fits one.
 */
import * as fs from "node:fs";
import { InputError, ParseError } from "../core/errors";
import { fileError, openRegularFile, readFileChunks } from "../core/files";
import { DelimitedReader, FieldIds } from "./delimited";
import { isHeaderlessRow } from "./parse";
import { RatingsMatrix } from "./ratings";

export interface StreamProgress {
  bytesRead: number;
  /** File size in bytes (NaN when unknown). */
  totalBytes: number;
  ratings: number;
  lines: number;
}

export interface StreamOptions {
  /** Called after each chunk. */
  onProgress?: (p: StreamProgress) => void;
  /** Read size in bytes (default 4 MiB, at least 1). */
  chunkBytes?: number;
  /** Whether the first line is a header: true, false, or "auto" (default: a header unless it looks like a row; module doc). */
  header?: boolean | "auto";
  /** Keep the timestamp column (Float64Array); default false. */
  timestamps?: boolean;
  /** Rating storage: "float64" (default; usable by RatingsMatrix as is) or "float32" (half the memory). */
  valueType?: "float64" | "float32";
  /** Name used in error messages (default: the path). */
  name?: string;
}

export interface StreamedRatings {
  file: string;
  nRatings: number;
  nUsers: number;
  nItems: number;
  /** Dense user index per rating (order of first appearance). */
  users: Int32Array;
  items: Int32Array;
  ratings: Float64Array | Float32Array;
  /** Only with `timestamps: true`. */
  timestamps?: Float64Array;
  /** The userId (exact text) of each dense user index. */
  userIds: string[];
  /** The movieId (exact text) of each dense item index. */
  itemIds: string[];
  /** Bytes and lines read (header and empty lines included). */
  bytes: number;
  lines: number;
}

const DEFAULT_CHUNK = 4 << 20;
const MAX_LINE_BYTES = 4096;
const HEADER = ["userId", "movieId", "rating", "timestamp"];
/** Timestamps: integers of at most this many digits (exact in a double). */
const MAX_TIMESTAMP_DIGITS = 15;
/**
 * Incremental parser: `push` chunks of bytes, then `end()`. Lines and fields come from the shared
 * {@link DelimitedReader} (CSV rules, byte columns, lines of at most 4 KiB); this class checks the
 * ratings.csv layout and fills the growing output arrays.
 */
export class RatingsCsvParser {
  private users: Int32Array;
  private items: Int32Array;
  private values: Float64Array | Float32Array;
  private stamps: Float64Array | null;
  private n = 0;
  private readonly userIndex = new FieldIds();
  private readonly itemIndex = new FieldIds();
  private readonly reader: DelimitedReader;
  /** Fields per line: from the header, else from the first line (3 or 4); 0 until known. */
  private nFields = 0;
  /** Whether the next non-blank line may be the header. */
  private atFirstLine = true;
  private finished = false;

  constructor(
    readonly file: string,
    private readonly options: Pick<StreamOptions, "header" | "timestamps" | "valueType"> & { expectedBytes?: number } = {},
  ) {
    const cap = Math.max(1024, Math.ceil((options.expectedBytes ?? 0) / 20));
    this.users = new Int32Array(cap);
    this.items = new Int32Array(cap);
    this.values = options.valueType === "float32" ? new Float32Array(cap) : new Float64Array(cap);
    this.stamps = options.timestamps ? new Float64Array(cap) : null;
    this.reader = new DelimitedReader({ file, delimiter: ",", quoted: true, columns: "byte", maxLineBytes: MAX_LINE_BYTES }, (r) => this.line(r));
  }

  /** Ratings parsed so far. */
  get ratings(): number {
    return this.n;
  }

  /** Lines started so far (1-based number of the current line). */
  get lineNumber(): number {
    return this.reader.lineNumber;
  }

  /**
   * Parse `chunk[0 .. length)`.
   * @throws ParseError at the first malformed line
   */
  push(chunk: Uint8Array, length: number = chunk.length): void {
    if (this.finished) throw new Error("RatingsCsvParser: push after end");
    this.reader.push(chunk, length);
  }

  /**
   * Finish (a last line without a newline counts) and return the arrays trimmed to size.
   * @throws ParseError for a malformed last line, or a file without any rating
   */
  end(): StreamedRatings {
    if (this.finished) throw new Error("RatingsCsvParser: end called twice");
    this.finished = true;
    this.reader.end();
    if (this.n === 0) throw new ParseError(this.file, Math.max(1, this.reader.linesRead), undefined, "contains no ratings");
    const n = this.n;
    const trim = <T extends Int32Array | Float64Array | Float32Array>(a: T, len: number): T => (a.length === len ? a : (a.slice(0, len) as T));
    const out: StreamedRatings = {
      file: this.file,
      nRatings: n,
      nUsers: this.userIndex.size,
      nItems: this.itemIndex.size,
      users: trim(this.users, n),
      items: trim(this.items, n),
      ratings: trim(this.values, n),
      userIds: this.userIndex.ids,
      itemIds: this.itemIndex.ids,
      bytes: this.reader.bytesRead,
      lines: this.reader.linesRead,
    };
    if (this.stamps) out.timestamps = trim(this.stamps, n);
    return out;
  }

  /** One non-blank line: the header, or a row. */
  private line(r: DelimitedReader): void {
    const found = r.split();
    if (this.atFirstLine) {
      this.atFirstLine = false;
      const header = this.options.header ?? "auto";
      if (header === true || (header === "auto" && !isHeaderlessRow(Array.from({ length: found }, (_, k) => r.text(k))))) {
        this.checkHeader(r);
        return;
      }
    }
    // Fields are checked left to right, then their number (as a reader going through the line would).
    const max = this.nFields || 4;
    const present = Math.min(found, max);
    for (let k = 0; k < Math.min(present, 2); k++) if (r.length(k) === 0) throw r.fieldError(k, `${HEADER[k]} is empty`);
    const rating = present > 2 ? this.rating(r) : 0;
    const stamp = present > 3 ? this.timestamp(r) : NaN;
    if (found > max) throw r.lineError(`has more than ${max} fields (expected ${HEADER.slice(0, max).join(",")})`, r.at[max] - 1);
    if (this.nFields === 0 && found >= 3) this.nFields = found;
    const want = this.nFields || 3;
    if (found < want)
      throw r.lineError(`has ${found} field${found === 1 ? "" : "s"}, expected ${want} (${HEADER.slice(0, want).join(",")})`, r.lineEnd);
    this.addRow(this.userIndex.of(r, 0, HEADER[0]), this.itemIndex.of(r, 1, HEADER[1]), rating, stamp);
  }

  private checkHeader(r: DelimitedReader): void {
    const names = Array.from({ length: r.count }, (_, k) => r.text(k).toLowerCase());
    if (!((names.length === 3 || names.length === 4) && names.every((nm, k) => nm === HEADER[k].toLowerCase()))) {
      const text = r.lineText();
      const got = JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
      throw r.lineError(`expected the header ${HEADER.join(",")} (timestamp optional), got ${got}`, r.lineStart);
    }
    this.nFields = names.length;
  }

  /** Field k's text for a message (at most 40 characters). */
  private quote(r: DelimitedReader, k: number): string {
    const f = r.text(k);
    return JSON.stringify(f.length > 40 ? `${f.slice(0, 40)}…` : f);
  }

  private rating(r: DelimitedReader): number {
    if (r.length(2) === 0) throw r.fieldError(2, "rating is empty");
    const v = r.number(2);
    if (!Number.isFinite(v)) throw r.fieldError(2, `rating must be a number, got ${this.quote(r, 2)}`);
    return v;
  }

  private timestamp(r: DelimitedReader): number {
    const b = r.bytes;
    const s = r.starts[3];
    const e = r.ends[3];
    if (e === s) throw r.fieldError(3, "timestamp is empty");
    let v = 0;
    for (let p = s; p < e; p++) {
      const c = b[p] - 48;
      if (c < 0 || c > 9 || e - s > MAX_TIMESTAMP_DIGITS) {
        throw r.fieldError(3, `timestamp must be a non-negative integer of at most ${MAX_TIMESTAMP_DIGITS} digits, got ${this.quote(r, 3)}`);
      }
      v = v * 10 + c;
    }
    return v;
  }

  private addRow(u: number, i: number, rating: number, stamp: number): void {
    if (this.n === this.users.length) this.grow();
    const k = this.n++;
    this.users[k] = u;
    this.items[k] = i;
    this.values[k] = rating;
    if (this.stamps) this.stamps[k] = stamp;
  }

  private grow(): void {
    const cap = Math.ceil(this.users.length * 1.5) + 1024;
    const users = new Int32Array(cap);
    users.set(this.users);
    this.users = users;
    const items = new Int32Array(cap);
    items.set(this.items);
    this.items = items;
    const values = this.values instanceof Float32Array ? new Float32Array(cap) : new Float64Array(cap);
    values.set(this.values);
    this.values = values;
    if (this.stamps) {
      const s = new Float64Array(cap);
      s.set(this.stamps);
      this.stamps = s;
    }
  }
}

/**
 * Read a ratings.csv-format file with `fs.readSync` in chunks into typed arrays (module doc).
 * @throws ParseError for a malformed line (file:line:column) or an empty file; InputError when the path is
 *   missing, unreadable or not a regular file (../core/files.ts)
 */
export function readRatingsFileSync(file: string, options: StreamOptions = {}): StreamedRatings {
  const name = options.name ?? file;
  let parser: RatingsCsvParser | undefined;
  let total = 0;
  let read = 0;
  readFileChunks(
    file,
    "ratings file",
    (chunk, got) => {
      parser!.push(chunk, got);
      read += got;
      options.onProgress?.({ bytesRead: read, totalBytes: total, ratings: parser!.ratings, lines: parser!.lineNumber - 1 });
    },
    {
      name,
      chunkBytes: chunkSize(options),
      onOpen: (size) => {
        total = size;
        parser = new RatingsCsvParser(name, { ...options, expectedBytes: size });
      },
    },
  );
  return parser!.end();
}

/**
 * Stream a ratings.csv-format file through `fs.createReadStream` into typed arrays (module doc).
 * @throws (rejects) ParseError for a malformed line or an empty file; InputError when the path is missing,
 *   unreadable or not a regular file
 */
export async function streamRatingsFile(file: string, options: StreamOptions = {}): Promise<StreamedRatings> {
  const name = options.name ?? file;
  const highWaterMark = chunkSize(options);
  const { fd, size: total } = openRegularFile(file, "ratings file", name);
  const parser = new RatingsCsvParser(name, { ...options, expectedBytes: total });
  const stream = fs.createReadStream("", { fd, highWaterMark });
  let read = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      parser.push(chunk, chunk.length);
      read += chunk.length;
      options.onProgress?.({ bytesRead: read, totalBytes: total, ratings: parser.ratings, lines: parser.lineNumber - 1 });
    }
  } catch (e) {
    throw e instanceof Error && !(e instanceof InputError) && "code" in e ? fileError(e, name, "ratings file") : e;
  } finally {
    stream.destroy();
  }
  return parser.end();
}

function chunkSize(options: StreamOptions): number {
  const c = options.chunkBytes ?? DEFAULT_CHUNK;
  if (!Number.isInteger(c) || c < 1) throw new RangeError(`streamRatingsFile: chunkBytes must be a positive integer, got ${c}`);
  return c;
}

/** The streamed ratings as a {@link RatingsMatrix} (Float32 ratings are widened to a new Float64Array). */
export function streamedToMatrix(s: StreamedRatings): RatingsMatrix {
  const values = s.ratings instanceof Float64Array ? s.ratings : Float64Array.from(s.ratings);
  return new RatingsMatrix(s.nUsers, s.nItems, s.users, s.items, values);
}

/**
 * A progress callback drawing `file: 41% (268 MB of 647 MB), 10.3M ratings, 12.1 s` on one line of a TTY
 * (rewritten in place with `\r`, at most every 200 ms), or a line per 10 % on a non-TTY stream.
 */
export function readProgressPrinter(label: string, out: NodeJS.WriteStream = process.stderr): (p: StreamProgress) => void {
  const started = performance.now();
  let lastDraw = -Infinity;
  let lastTenth = -1;
  return (p) => {
    const frac = p.totalBytes > 0 ? p.bytesRead / p.totalBytes : 0;
    const now = performance.now();
    const done = p.bytesRead >= p.totalBytes;
    const text =
      `${label}: ${(100 * frac).toFixed(0)}% (${(p.bytesRead / 1e6).toFixed(0)} MB of ${(p.totalBytes / 1e6).toFixed(0)} MB), ` +
      `${(p.ratings / 1e6).toFixed(1)}M ratings, ${((now - started) / 1000).toFixed(1)} s`;
    if (out.isTTY) {
      if (!done && now - lastDraw < 200) return;
      lastDraw = now;
      out.write(`\r${text}${done ? "\n" : ""}`);
    } else {
      const tenth = Math.floor(frac * 10);
      if (tenth === lastTenth && !done) return;
      lastTenth = tenth;
      out.write(`${text}\n`);
    }
  };
}
