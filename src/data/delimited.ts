/**
 * The one reader of delimited ratings text (./parse.ts for every file format, ./stream.ts for large
 * ratings.csv files): bytes in, pushed in chunks of any size, lines out, each split into fields on demand.
 * The rules below hold for both paths.
 *
 * Lines: a UTF-8 byte-order mark at the very start is skipped; lines end in `\n` or `\r\n`, and a last line
 * without a line end counts; a carriage return anywhere else is an error; lines holding only spaces and tabs
 * are skipped (but counted, so line numbers stay those of the file); a NUL byte is an error at its line (a
 * binary or UTF-16 file). With `maxLineBytes`, a longer line is an error (bounded memory for streaming).
 *
 * Fields ({@link DelimitedReader.split}), split on the delimiter (any string; one byte is the fast path):
 * - `quoted: true` (CSV): a field may be double-quoted — it then runs to the matching quote (`""` inside is a
 *   literal quote, the delimiter is allowed inside) and only spaces and tabs may follow it before the next
 *   delimiter; spaces and tabs around a field are trimmed (except the delimiter itself, e.g. tab in a TSV); a
 *   quote inside an unquoted field is an ordinary character.
 * - `quoted: false` (MovieLens `u.data`, `ratings.dat`): fields are exactly the text between delimiters.
 * Field text is decoded as UTF-8 only when asked for ({@link DelimitedReader.text}); ids are those strings,
 * compared exactly (`01` and `1` are different ids, `1.5` or a 20-digit number is an id like any other), and
 * {@link FieldIds} maps them to dense indices. A field that is not valid UTF-8 (a latin-1 `é`, a stray byte) is
 * an error at its column: decoded leniently, `caf\xE9` and `caf\xE8` would both read `caf\uFFFD`, one id.
 *
 * Numbers: {@link decimalAt} reads `[+-]digits[.digits][e[+-]digits]` (or `.5`, `5.`) straight from the bytes,
 * exactly as `Number` would; anything else (hex, `NaN`, `Infinity`, spaces, empty) is NaN.
 *
 * Errors are {@link ParseError}s `file:line[:column]: reason`. The column follows the reader's `columns`
 * convention: `"field"` — the 1-based field number (./parse.ts), or `"byte"` — the 1-based byte position in
 * the line (./stream.ts; a field's column is where it starts, right after the previous delimiter).
 */
import { ParseError } from "../core/errors";

export interface DelimitedReaderOptions {
  /** File name in error messages. */
  file: string;
  /** Field delimiter (non-empty). */
  delimiter: string;
  /** CSV quoting and trimming (true), or exact fields (false). See the module doc. */
  quoted: boolean;
  /** What an error's column counts: field numbers or bytes (module doc). */
  columns: "field" | "byte";
  /** Longest line accepted, in bytes without its line end (default: no limit). */
  maxLineBytes?: number;
}

const LF = 10;
const CR = 13;
const TAB = 9;
const SPACE = 32;
const QUOTE = 34;
const NUL = 0;
const BOM = [0xef, 0xbb, 0xbf];
const POW10: number[] = Array.from({ length: 16 }, (_, k) => 10 ** k);
/** Digit strings up to this length are exact in a double, so `digits / 10^k` is `Number`'s result. */
const EXACT_DIGITS = 15;

/**
 * UTF-8, invalid bytes as U+FFFD (which {@link DelimitedReader.text} then refuses; {@link DelimitedReader.lineText},
 * for messages only, keeps them), a U+FEFF inside the text kept (the file's byte-order mark is skipped above).
 */
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });
/** Fields up to this many bytes are decoded by hand when they are ASCII (ids, numbers). */
const SHORT_FIELD = 32;
const encoder = new TextEncoder();

/**
 * Read delimited text: `push` chunks, then `end()`. `onLine(reader)` is called for every non-blank line; during
 * the call the reader describes that line ({@link lineNumber}, {@link lineText}) and splits it on
 * {@link split}, after which {@link count}, {@link starts}, {@link ends}, {@link text} describe its fields.
 */
export class DelimitedReader {
  /** The bytes holding the current line: a pushed chunk, or the carry buffer for a line split across chunks. */
  bytes: Uint8Array = new Uint8Array(0);
  /** The current line is `bytes[lineStart, lineEnd)` (without its line end). */
  lineStart = 0;
  lineEnd = 0;
  /** 1-based number of the current line (while reading: of the line being assembled). */
  lineNumber = 1;
  /** Fields of the current line after {@link split}: content `bytes[starts[k], ends[k])`. */
  count = 0;
  starts = new Int32Array(8);
  ends = new Int32Array(8);
  /** Where field k begins as written (after the previous delimiter, before any trimmed space or quote). */
  at = new Int32Array(8);
  /** 1 when field k was quoted and holds `""` escapes (its text needs unescaping). */
  private escaped = new Uint8Array(8);

  private delim: Uint8Array;
  private delimText: string;
  private readonly quoted: boolean;
  private readonly byteColumns: boolean;
  private readonly maxLineBytes: number;
  readonly file: string;

  private carry = new Uint8Array(256);
  private carryLength = 0;
  private carryNul = false;
  private bomSeen = 0;
  private bytesIn = 0;
  private finished = false;

  constructor(
    options: DelimitedReaderOptions,
    private readonly onLine: (reader: DelimitedReader) => void,
  ) {
    this.file = options.file;
    this.quoted = options.quoted;
    this.byteColumns = options.columns === "byte";
    this.maxLineBytes = options.maxLineBytes ?? Infinity;
    this.delimText = options.delimiter;
    this.delim = encoder.encode(options.delimiter);
  }

  /** The field delimiter; may be changed between lines (e.g. after sniffing it from a header). */
  get delimiter(): string {
    return this.delimText;
  }

  set delimiter(d: string) {
    this.delimText = d;
    this.delim = encoder.encode(d);
  }

  /** Bytes pushed so far. */
  get bytesRead(): number {
    return this.bytesIn;
  }

  /** Lines read so far: complete lines, plus (after `end`) a last line without a line end. */
  get linesRead(): number {
    return this.lineNumber - 1;
  }

  /**
   * Read `chunk[0, length)`: every line completed in it goes to `onLine`; an incomplete last line waits for the
   * next chunk.
   * @throws ParseError for a bad line (module doc), and whatever `onLine` throws
   */
  push(chunk: Uint8Array, length: number = chunk.length): void {
    if (this.finished) throw new Error("DelimitedReader: push after end");
    // A plain Uint8Array view: a Buffer's subarray would build a Buffer object per field.
    if (!(Object.getPrototypeOf(chunk) === Uint8Array.prototype)) chunk = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.bytesIn += length;
    let p = 0;
    while (this.bomSeen < BOM.length && p < length) {
      if (chunk[p] === BOM[this.bomSeen]) {
        this.bomSeen++;
        p++;
      } else this.bomIsText();
    }
    // The first NUL byte of the chunk (`length`: none); the line holding it fails.
    let nul = chunk.indexOf(NUL, p);
    if (nul < 0 || nul > length) nul = length;
    while (p < length) {
      const nl = chunk.indexOf(LF, p);
      if (nl < 0 || nl >= length) {
        this.append(chunk, p, length, nul < length);
        return;
      }
      if (this.carryLength > 0) {
        this.append(chunk, p, nl, nul < nl);
        this.line(this.carry, 0, this.carryLength, this.carryNul);
        this.carryLength = 0;
        this.carryNul = false;
      } else {
        this.line(chunk, p, nl, nul < nl);
      }
      this.lineNumber++;
      p = nl + 1;
    }
  }

  /** The bytes taken for a byte-order mark were not one: they start the first line. */
  private bomIsText(): void {
    const taken = this.bomSeen;
    this.bomSeen = BOM.length;
    if (taken > 0) this.append(Uint8Array.from(BOM.slice(0, taken)), 0, taken, false);
  }

  /**
   * Finish: a last line without a line end is read now.
   * @throws ParseError for a bad last line, and whatever `onLine` throws
   */
  end(): void {
    if (this.finished) throw new Error("DelimitedReader: end called twice");
    this.finished = true;
    if (this.bomSeen < BOM.length) this.bomIsText();
    if (this.carryLength > 0) {
      this.line(this.carry, 0, this.carryLength, this.carryNul);
      this.carryLength = 0;
      this.lineNumber++;
    }
  }

  /** Keep `src[from, to)` of an unfinished line (`nul`: it holds a NUL byte). */
  private append(src: Uint8Array, from: number, to: number, nul: boolean): void {
    this.carryNul ||= nul;
    const need = this.carryLength + (to - from);
    if (need > this.maxLineBytes + 1) this.tooLong(); // + 1: room for the '\r' of a line end split across chunks
    if (need > this.carry.length) {
      const grown = new Uint8Array(Math.max(need, this.carry.length * 2));
      grown.set(this.carry.subarray(0, this.carryLength));
      this.carry = grown;
    }
    this.carry.set(src.subarray(from, to), this.carryLength);
    this.carryLength = need;
  }

  private tooLong(): never {
    throw new ParseError(this.file, this.lineNumber, undefined, `is longer than ${this.maxLineBytes} bytes`);
  }

  /**
   * One line `bytes[s, e)` (its '\n' excluded; `nul`: it holds a NUL byte): strip a final '\r', check it, skip
   * it if blank, else hand it out.
   */
  private line(bytes: Uint8Array, s: number, e: number, nul: boolean): void {
    if (e > s && bytes[e - 1] === CR) e--;
    if (e - s > this.maxLineBytes) this.tooLong();
    if (nul)
      throw new ParseError(
        this.file,
        this.lineNumber,
        undefined,
        "contains a NUL byte: this looks like a binary or UTF-16 file, expected UTF-8 text",
      );
    let p = s;
    while (p < e && (bytes[p] === SPACE || bytes[p] === TAB)) p++;
    if (p === e) return;
    this.bytes = bytes;
    this.lineStart = s;
    this.lineEnd = e;
    this.count = 0;
    this.onLine(this);
  }

  /** The current line as text (without its line end). */
  lineText(): string {
    return utf8.decode(this.bytes.subarray(this.lineStart, this.lineEnd));
  }

  /**
   * Split the current line into fields (module doc) and return how many there are.
   * @throws ParseError for an unterminated quoted field, text after a closing quote, or a carriage return
   */
  split(): number {
    const b = this.bytes;
    const e = this.lineEnd;
    const d = this.delim;
    const d0 = d[0];
    const dLen = d.length;
    const quoted = this.quoted;
    // Trimmed: spaces and tabs that are not the delimiter (quoted fields only).
    const trimSpace = quoted && !(dLen === 1 && d0 === SPACE);
    const trimTab = quoted && !(dLen === 1 && d0 === TAB);
    let { starts, ends, at } = this;
    let n = 0;
    let p = this.lineStart;
    for (;;) {
      if (n === starts.length) ({ starts, ends, at } = this.growFields());
      at[n] = p;
      this.escaped[n] = 0;
      if (quoted) while (p < e && ((b[p] === SPACE && trimSpace) || (b[p] === TAB && trimTab))) p++;
      let next = -1; // position of the delimiter ending this field, or −1 at the end of the line
      if (quoted && p < e && b[p] === QUOTE) {
        const open = p;
        let q = p + 1;
        for (;;) {
          while (q < e && b[q] !== QUOTE && b[q] !== CR) q++;
          if (q < e && b[q] === CR) this.carriageReturn(n, q);
          if (q >= e) throw this.fieldError(n, 'unterminated quoted field (no closing ")', open);
          if (q + 1 < e && b[q + 1] === QUOTE) {
            this.escaped[n] = 1;
            q += 2;
            continue;
          }
          break;
        }
        starts[n] = open + 1;
        ends[n] = q;
        p = q + 1;
        while (p < e && ((b[p] === SPACE && trimSpace) || (b[p] === TAB && trimTab))) p++;
        if (p < e) {
          if (!this.delimiterAt(p)) {
            if (b[p] === CR) this.carriageReturn(n, p);
            const found = utf8.decode(b.subarray(p, Math.min(e, p + 4)))[0];
            throw this.fieldError(n, `unexpected ${JSON.stringify(found)} after a closing quote (expected ${JSON.stringify(this.delimText)})`, p);
          }
          next = p;
        }
      } else {
        const cs = p;
        if (dLen === 1) {
          for (; p < e; p++) {
            const c = b[p];
            if (c === d0) break;
            if (c === CR) this.carriageReturn(n, p);
          }
        } else {
          for (; p < e && !(b[p] === d0 && this.delimiterAt(p)); p++) if (b[p] === CR) this.carriageReturn(n, p);
        }
        if (p < e) next = p;
        let ce = p;
        if (quoted) while (ce > cs && ((b[ce - 1] === SPACE && trimSpace) || (b[ce - 1] === TAB && trimTab))) ce--;
        starts[n] = cs;
        ends[n] = ce;
      }
      n++;
      if (next < 0) break;
      p = next + dLen;
    }
    this.count = n;
    return n;
  }

  private delimiterAt(p: number): boolean {
    const d = this.delim;
    if (p + d.length > this.lineEnd) return false;
    for (let k = 0; k < d.length; k++) if (this.bytes[p + k] !== d[k]) return false;
    return true;
  }

  private carriageReturn(field: number, p: number): never {
    throw this.fieldError(field, "contains a carriage return inside the line", p);
  }

  private growFields(): this {
    const n = this.starts.length * 2;
    const grow = <T extends Int32Array | Uint8Array>(a: T, b: T): T => {
      b.set(a);
      return b;
    };
    this.starts = grow(this.starts, new Int32Array(n));
    this.ends = grow(this.ends, new Int32Array(n));
    this.at = grow(this.at, new Int32Array(n));
    this.escaped = grow(this.escaped, new Uint8Array(n));
    return this;
  }

  /** Field k's length in bytes (0: empty). */
  length(k: number): number {
    return this.ends[k] - this.starts[k];
  }

  /**
   * Field k as a string (UTF-8; quotes removed and `""` unescaped).
   * @param what the field's name in the error message (default `field <k + 1>`)
   * @throws ParseError when the field is not valid UTF-8 (module doc): decoding it would turn the bad bytes into
   *   U+FFFD, so two different ids could read as one
   */
  text(k: number, what?: string): string {
    const b = this.bytes;
    const s = this.starts[k];
    const e = this.ends[k];
    let out = "";
    let p = s;
    if (e - s <= SHORT_FIELD) for (; p < e && b[p] < 128; p++) out += String.fromCharCode(b[p]); // short ASCII: no decoder call
    if (p < e) {
      out = utf8.decode(b.subarray(s, e));
      if (out.includes("\uFFFD")) this.checkUtf8(k, out, what);
    }
    return this.escaped[k] ? out.replace(/""/g, '"') : out;
  }

  /** Throw at the first byte of field k that is not UTF-8 (`decoded`: the field decoded with U+FFFD for bad bytes). */
  private checkUtf8(k: number, decoded: string, what: string | undefined): void {
    const b = this.bytes;
    const s = this.starts[k];
    // Up to the first bad byte the decoded text is exact, so its UTF-8 length is the byte offset; a U+FFFD
    // written in the file (EF BF BD) is text like any other.
    for (let c = decoded.indexOf("\uFFFD"); c >= 0; c = decoded.indexOf("\uFFFD", c + 1)) {
      const at = s + encoder.encode(decoded.slice(0, c)).length;
      if (b[at] === 0xef && b[at + 1] === 0xbf && b[at + 2] === 0xbd) continue;
      const hex = b[at].toString(16).toUpperCase().padStart(2, "0");
      throw this.fieldError(
        k,
        `${what ?? `field ${k + 1}`} is not valid UTF-8 (byte 0x${hex} at byte ${at - s + 1} of the field); ratings files must be UTF-8 text`,
        this.byteColumns ? at : undefined,
      );
    }
  }

  /** Field k read by {@link decimalAt}: NaN unless it is a decimal number. */
  number(k: number): number {
    return decimalAt(this.bytes, this.starts[k], this.ends[k]);
  }

  /**
   * A ParseError about field k of the current line, at its column (field number, or the byte at `position`,
   * by default where the field starts).
   */
  fieldError(k: number, reason: string, position: number = this.at[k]): ParseError {
    return new ParseError(this.file, this.lineNumber, this.byteColumns ? position - this.lineStart + 1 : k + 1, reason);
  }

  /**
   * A ParseError about the current line as a whole: no column with field numbers; with byte columns, the byte
   * at `position` when given.
   */
  lineError(reason: string, position?: number): ParseError {
    const column = this.byteColumns && position !== undefined ? position - this.lineStart + 1 : undefined;
    return new ParseError(this.file, this.lineNumber, column, reason);
  }
}

/** Ids written as canonical integers up to this many digits are interned by number (see FieldIds). */
const NUMERIC_ID_DIGITS = 15;
/** Integer ids below this are looked up in a table (4 bytes per value up to the largest id seen), larger ones in a Map. */
const TABLE_IDS = 1 << 22;

/**
 * Dense indices of exact-string ids in order of first appearance. A canonical integer (`0` or digits without a
 * leading zero, ≤ 15 digits) is looked up by its value — no string is made for it until it first appears —
 * and every other id by its text; the two kinds never meet (`01` is not canonical), so this is exactly a map
 * from id strings.
 */
export class FieldIds {
  readonly ids: string[] = [];
  /** 1 + the index of integer id v (< TABLE_IDS) at [v]; 0 for an id not seen yet. */
  private table = new Int32Array(1024);
  private readonly byNumber = new Map<number, number>();
  private readonly byText = new Map<string, number>();
  private lastNumber = -1;
  private lastIndex = -1;

  /**
   * The index of field k of the reader's current line.
   * @param what the field's name in messages (`user id`)
   * @throws ParseError when the field is not valid UTF-8
   */
  of(r: DelimitedReader, k: number, what: string): number {
    const b = r.bytes;
    const s = r.starts[k];
    const e = r.ends[k];
    let value = -1;
    if (e - s <= NUMERIC_ID_DIGITS && (b[s] !== 48 || e - s === 1)) {
      value = 0;
      for (let p = s; p < e; p++) {
        const c = b[p] - 48;
        if (c < 0 || c > 9) {
          value = -1;
          break;
        }
        value = value * 10 + c;
      }
    }
    if (value >= 0) {
      if (value === this.lastNumber) return this.lastIndex; // ratings.csv is sorted by user: mostly a repeat
      let i: number;
      if (value < TABLE_IDS) {
        if (value >= this.table.length) this.growTable(value);
        i = this.table[value] - 1;
        if (i < 0) {
          i = this.ids.length;
          this.table[value] = i + 1;
          this.ids.push(String(value));
        }
      } else {
        let got = this.byNumber.get(value);
        if (got === undefined) {
          got = this.ids.length;
          this.byNumber.set(value, got);
          this.ids.push(String(value));
        }
        i = got;
      }
      this.lastNumber = value;
      this.lastIndex = i;
      return i;
    }
    const text = r.text(k, what);
    let i = this.byText.get(text);
    if (i === undefined) {
      i = this.ids.length;
      this.byText.set(text, i);
      this.ids.push(text);
    }
    return i;
  }

  get size(): number {
    return this.ids.length;
  }

  private growTable(value: number): void {
    let n = this.table.length;
    while (n <= value) n *= 2;
    const grown = new Int32Array(Math.min(n, TABLE_IDS));
    grown.set(this.table);
    this.table = grown;
  }
}

/**
 * The decimal number written in `bytes[start, end)` (module doc), or NaN. Up to 15 mantissa digits and no
 * exponent: digits / 10^decimals, which is exactly `Number`'s result; otherwise `Number` of the validated text.
 */
export function decimalAt(bytes: Uint8Array, start: number, end: number): number {
  if (start >= end) return NaN;
  let p = start;
  let c = bytes[p];
  const negative = c === 45; // -
  if (negative || c === 43) p++; // + -
  let digits = 0;
  let acc = 0;
  while (p < end && (c = bytes[p]) >= 48 && c <= 57) {
    acc = acc * 10 + (c - 48);
    p++;
    digits++;
  }
  let decimals = 0;
  if (p < end && bytes[p] === 46) {
    p++;
    while (p < end && (c = bytes[p]) >= 48 && c <= 57) {
      acc = acc * 10 + (c - 48);
      p++;
      decimals++;
    }
    digits += decimals;
  }
  if (digits === 0) return NaN;
  if (p === end && digits <= EXACT_DIGITS) {
    const v = decimals > 0 ? acc / POW10[decimals] : acc;
    return negative ? -v : v;
  }
  if (p < end && ((c = bytes[p]) === 101 || c === 69)) {
    p++;
    if (p < end && ((c = bytes[p]) === 43 || c === 45)) p++;
    let exponentDigits = 0;
    while (p < end && (c = bytes[p]) >= 48 && c <= 57) {
      p++;
      exponentDigits++;
    }
    if (exponentDigits === 0) return NaN;
  }
  if (p !== end) return NaN;
  return Number(String.fromCharCode(...bytes.subarray(start, end)));
}
