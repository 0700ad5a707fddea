/**
 * Property-based tests of the ratings parsers and the dataset loader (issue 7, part 6): for random bytes, random
 * text and random rows mixing valid and invalid fields (random delimiters, quoting, BOM, CRLF, blank lines,
 * random input policies), the only outcomes are a parsed result that satisfies the parser's contract, or a typed
 * error (InputError / ParseError) with a non-empty message — and a ParseError is located at `file:line[:column]`
 * inside the file. Never a TypeError, RangeError or any other crash.
 * Fixed seeds make every run identical; together these properties run 2,700 cases.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { InputError, ParseError } from "../../src/core/errors";
import { loadDatasetWithWarnings } from "../../src/data/load";
import type { DataSpecInput as DataSpec } from "../../src/data/spec";
import {
  RATINGS_FORMATS,
  parseRatings,
  readRatingsFile,
  type DuplicatePolicy,
  type OutOfScalePolicy,
  type ParseOptions,
  type RatingsFormat,
  type RawRatings,
} from "../../src/data/parse";

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "mflab-fuzz-parse-"));
afterAll(() => fs.rmSync(TMP, { recursive: true, force: true }));

const SEED = 20240607;

/** Lines in `text` as the parser counts them (after a BOM). */
function lineCount(text: string): number {
  return text.split("\n").length;
}

/** The error must be typed, messaged and (for a ParseError) located inside the file. Rethrows anything else. */
function checkError(e: unknown, file: string, text?: string): void {
  if (!(e instanceof InputError)) throw e; // TypeError, RangeError, …: a crash — fail the property
  expect(e.message.length).toBeGreaterThan(0);
  if (e instanceof ParseError) {
    expect(e.file).toBe(file);
    expect(Number.isInteger(e.line) && e.line >= 1).toBe(true);
    if (text !== undefined) expect(e.line).toBeLessThanOrEqual(lineCount(text));
    if (e.column !== undefined) expect(Number.isInteger(e.column) && e.column >= 1).toBe(true);
    const where = e.column === undefined ? `${file}:${e.line}` : `${file}:${e.line}:${e.column}`;
    expect(e.message.startsWith(`${where}: `)).toBe(true);
    expect(e.reason.length).toBeGreaterThan(0);
  } else {
    expect(e.message.startsWith(`${file}`)).toBe(true);
  }
}

/** A successful parse must honour the contract: aligned arrays, finite ratings, increasing source lines, policies. */
function checkParsed(r: RawRatings, file: string, text: string, options: ParseOptions): void {
  const n = r.ratings.length;
  expect(n).toBeGreaterThan(0);
  expect(r.file).toBe(file);
  expect(r.users.length).toBe(n);
  expect(r.items.length).toBe(n);
  expect(r.lines.length).toBe(n);
  if (r.timestamps) expect(r.timestamps.length).toBe(n);
  const lines = lineCount(text);
  const pairs = new Set<string>();
  for (let k = 0; k < n; k++) {
    expect(Number.isFinite(r.ratings[k])).toBe(true);
    if (r.timestamps) expect(Number.isFinite(r.timestamps[k])).toBe(true);
    expect(r.users[k].length).toBeGreaterThan(0);
    expect(r.items[k].length).toBeGreaterThan(0);
    expect(r.lines[k]).toBeGreaterThanOrEqual(1);
    expect(r.lines[k]).toBeLessThanOrEqual(lines);
    if (k > 0) expect(r.lines[k]).toBeGreaterThan(r.lines[k - 1]);
    if (options.ratingScale) {
      expect(r.ratings[k]).toBeGreaterThanOrEqual(options.ratingScale[0]);
      expect(r.ratings[k]).toBeLessThanOrEqual(options.ratingScale[1]);
    }
    pairs.add(JSON.stringify([r.users[k], r.items[k]]));
  }
  // Whatever the policy, a parsed file never holds a (user, item) pair twice.
  expect(pairs.size).toBe(n);
}

/** Outcome counts per property (to check that the generators reach both outcomes). */
const tally = { parsed: 0, failed: 0, warned: 0 };

/** Run the parser; assert the outcome is one of the two allowed ones. Returns the result or undefined. */
function outcome(text: string, file: string, options: ParseOptions): RawRatings | undefined {
  const warnings: string[] = [];
  let r: RawRatings;
  try {
    r = parseRatings(text, file, { ...options, onWarning: (m) => warnings.push(m) });
  } catch (e) {
    checkError(e, file, text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    tally.failed++;
    return undefined;
  }
  tally.parsed++;
  if (warnings.length > 0) tally.warned++;
  checkParsed(r, file, text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, options);
  for (const w of warnings) expect(w.startsWith(file)).toBe(true);
  return r;
}

const FILES = ["u.data", "u1.base", "ratings.dat", "ratings.csv", "x.csv", "data.txt", "x.tsv"];
const formatArb: fc.Arbitrary<RatingsFormat | undefined> = fc.constantFrom(undefined, ...RATINGS_FORMATS);
const policyArb: fc.Arbitrary<ParseOptions> = fc.record(
  {
    duplicates: fc.constantFrom<DuplicatePolicy>("error", "keep-last", "mean"),
    ratingScale: fc.constantFrom<readonly [number, number]>([1, 5], [0.5, 5], [-10, 10], [0, 1]),
    outOfScale: fc.constantFrom<OutOfScalePolicy>("error", "clip"),
  },
  { requiredKeys: [] },
);

describe("ratings parsers under fuzzing", () => {
  it("random text (any Unicode, any format, any policy): parsed or a located typed error", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), fc.constantFrom(...FILES), formatArb, policyArb, (text, file, format, policy) => {
        outcome(text, file, { ...policy, format });
      }),
      { numRuns: 700, seed: SEED },
    );
  });

  it("random bytes decoded as UTF-8 (as readRatingsFile does), with and without a leading valid row", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.boolean(), formatArb, (bytes, prefix, format) => {
        const body = Buffer.from(bytes).toString("utf8");
        const text = prefix ? `1\t2\t3\t4\n${body}` : body;
        outcome(text, "u.data", { format });
      }),
      { numRuns: 500, seed: SEED + 1 },
    );
  });

  // Fields: valid numbers, ids, and the usual kinds of damage.
  const goodNumber = fc.oneof(fc.integer({ min: -3, max: 12 }).map(String), fc.constantFrom("0.5", "4.5", "3.0", "+2", "1e0", ".5", "5."));
  const badField = fc.constantFrom(
    "",
    " ",
    "NaN",
    "nan",
    "Inf",
    "-Infinity",
    "1e999",
    "0x5",
    "abc",
    "4 stars",
    '"',
    '"a""b"',
    '"3"x',
    "3,5",
    "\t",
    "::",
    "\u0000",
    "\uFEFF",
  );
  const idField = fc.oneof(fc.stringMatching(/^[a-z0-9.]{1,4}$/), fc.constantFrom("1.5", "99999999999999999999", "01", "1", "ü", "a b"));
  const field = fc.oneof({ weight: 6, arbitrary: goodNumber }, { weight: 4, arbitrary: idField }, { weight: 2, arbitrary: badField });
  const quote = (f: string) => `"${f.replace(/"/g, '""')}"`;

  it("random rows: mixtures of valid and invalid fields, random delimiters, quoting, header, BOM, CRLF, blank lines", () => {
    // A layout: format + the delimiter and header that go with it (sometimes a wrong delimiter or header).
    const layoutArb = fc.oneof(
      fc.record({
        format: fc.constantFrom<RatingsFormat | undefined>("udata", undefined),
        file: fc.constantFrom("u.data", "u1.base", "data.txt"),
        delimiter: fc.constant("\t"),
        header: fc.constantFrom("none", "none", "user\titem\trating\ttimestamp"),
      }),
      fc.record({
        format: fc.constantFrom<RatingsFormat | undefined>("ratings-dat", undefined),
        file: fc.constant("ratings.dat"),
        delimiter: fc.constant("::"),
        header: fc.constantFrom("none", "none", "UserID::MovieID::Rating::Timestamp"),
      }),
      fc.record({
        format: fc.constantFrom<RatingsFormat | undefined>("ratings-csv", undefined),
        file: fc.constant("ratings.csv"),
        delimiter: fc.constant(","),
        header: fc.constantFrom("userId,movieId,rating,timestamp", "none"),
      }),
      fc.record({
        format: fc.constantFrom<RatingsFormat | undefined>("csv", undefined),
        file: fc.constantFrom("x.csv", "x.tsv", "data.txt"),
        delimiter: fc.constantFrom(",", "\t", ";", "|", " "),
        header: fc.constantFrom("none", "user,item,rating,timestamp", "user_id,movie_id,rating,timestamp", "a,b,c,d"),
      }),
    );
    const rowArb = fc.record({
      user: fc.oneof(fc.constantFrom("1", "2", "3", "u"), idField),
      item: fc.oneof(fc.constantFrom("1", "2", "x"), idField),
      rating: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 10 }).map((x) => String(x / 2)) }, { weight: 1, arbitrary: goodNumber }),
      timestamp: fc.integer({ min: 0, max: 2e9 }).map(String),
      quoted: fc.boolean(),
      // Damage: none (most rows), one field replaced by a bad one, a field dropped, or an extra field.
      damage: fc.oneof(
        { weight: 12, arbitrary: fc.constant<[string, number, string]>(["none", 0, ""]) },
        { weight: 1, arbitrary: fc.tuple(fc.constant("replace"), fc.integer({ min: 0, max: 3 }), badField) },
        { weight: 1, arbitrary: fc.tuple(fc.constant("drop"), fc.integer({ min: 0, max: 3 }), fc.constant("")) },
        { weight: 1, arbitrary: fc.tuple(fc.constant("extra"), fc.constant(0), field) },
      ),
    });
    const rowsArb = fc.record({
      layout: layoutArb,
      rows: fc.array(rowArb, { maxLength: 12 }),
      bom: fc.boolean(),
      eol: fc.constantFrom("\n", "\r\n"),
      blankEvery: fc.integer({ min: 0, max: 4 }),
      trailingEol: fc.boolean(),
      passDelimiter: fc.boolean(),
      policy: policyArb,
    });
    Object.assign(tally, { parsed: 0, failed: 0, warned: 0 });
    fc.assert(
      fc.property(rowsArb, (g) => {
        const { delimiter, header, format, file } = g.layout;
        const lines: string[] = [];
        if (header !== "none") lines.push(header.split(/\t|::|,/).join(delimiter));
        g.rows.forEach((row, k) => {
          const fields = [row.user, row.item, row.rating, row.timestamp];
          const [kind, at, bad] = row.damage as readonly [string, number, string];
          if (kind === "replace") fields[at] = bad;
          else if (kind === "drop") fields.splice(at, 1);
          else if (kind === "extra") fields.push(bad);
          const csv = format === "csv" || format === "ratings-csv" || (format === undefined && file.endsWith(".csv"));
          lines.push(fields.map((f, j) => (csv && row.quoted && j < 2 ? quote(f) : f)).join(delimiter));
          if (g.blankEvery > 0 && k % g.blankEvery === 0) lines.push("");
        });
        const text = (g.bom ? "\uFEFF" : "") + lines.join(g.eol) + (g.trailingEol ? g.eol : "");
        const options: ParseOptions = { ...g.policy, format };
        if (g.passDelimiter && format === "csv") options.delimiter = delimiter;
        outcome(text, file, options);
      }),
      { numRuns: 800, seed: SEED + 2 },
    );
    // The generator reaches both outcomes (and the warning paths), not just one of them.
    console.log(`random rows: ${JSON.stringify(tally)}`);
    expect(tally.parsed).toBeGreaterThanOrEqual(80);
    expect(tally.failed).toBeGreaterThanOrEqual(80);
    expect(tally.warned).toBeGreaterThanOrEqual(10);
  });

  it("round trip: valid rows written in any layout are read back exactly (ids as strings, lines kept)", () => {
    const rowArb = fc.record({
      user: fc.stringMatching(/^[A-Za-z0-9._-]{1,8}$/),
      item: fc.stringMatching(/^[A-Za-z0-9._-]{1,8}$/),
      rating: fc.integer({ min: 1, max: 10 }).map((x) => x / 2),
      timestamp: fc.integer({ min: 0, max: 2_000_000_000 }),
    });
    const arb = fc.record({
      rows: fc.uniqueArray(rowArb, { minLength: 1, maxLength: 15, selector: (r) => `${r.user}\u0001${r.item}` }),
      layout: fc.constantFrom("udata", "ratings-dat", "ratings-csv", "csv-semicolon", "csv-quoted"),
      bom: fc.boolean(),
      eol: fc.constantFrom("\n", "\r\n"),
    });
    fc.assert(
      fc.property(arb, ({ rows, layout, bom, eol }) => {
        let header: string | undefined;
        let format: RatingsFormat;
        let line: (r: (typeof rows)[number]) => string;
        switch (layout) {
          case "udata":
            format = "udata";
            line = (r) => [r.user, r.item, r.rating, r.timestamp].join("\t");
            break;
          case "ratings-dat":
            format = "ratings-dat";
            line = (r) => [r.user, r.item, r.rating, r.timestamp].join("::");
            break;
          case "ratings-csv":
            format = "ratings-csv";
            header = "userId,movieId,rating,timestamp";
            line = (r) => [r.user, r.item, r.rating, r.timestamp].join(",");
            break;
          case "csv-semicolon":
            format = "csv";
            header = "timestamp;rating;item_id;user_id";
            line = (r) => [r.timestamp, r.rating, r.item, r.user].join(";");
            break;
          default:
            format = "csv";
            header = "user,item,rating,timestamp";
            line = (r) => [quote(r.user), quote(r.item), r.rating, r.timestamp].join(",");
        }
        const body = rows.map(line);
        // A header-like first udata/dat row cannot occur: ratings and timestamps are numbers.
        const text = (bom ? "\uFEFF" : "") + [...(header ? [header] : []), ...body].join(eol) + eol;
        const r = parseRatings(text, "f", { format });
        expect(r.users).toEqual(rows.map((x) => x.user));
        expect(r.items).toEqual(rows.map((x) => x.item));
        expect(Array.from(r.ratings)).toEqual(rows.map((x) => x.rating));
        expect(Array.from(r.timestamps!)).toEqual(rows.map((x) => x.timestamp));
        const first = header ? 2 : 1;
        expect(Array.from(r.lines)).toEqual(rows.map((_x, k) => first + k));
      }),
      { numRuns: 400, seed: SEED + 3 },
    );
  });

  it("files on disk through loadDataset (train-test with random content and policies): a Dataset or a typed error", () => {
    const contentArb = fc.oneof(
      fc.string({ unit: "binary", maxLength: 120 }),
      fc
        .array(fc.tuple(fc.constantFrom("a", "b", "c", "1", "2"), fc.constantFrom("x", "y", "1"), fc.oneof(goodNumber, badField)), { maxLength: 8 })
        .map((rows) => `user,item,rating\n${rows.map((r) => r.join(",")).join("\n")}`),
    );
    let n = 0;
    fc.assert(
      fc.property(contentArb, contentArb, policyArb, (train, test, policy) => {
        const dir = path.join(TMP, `case${n++}`);
        fs.mkdirSync(dir);
        fs.writeFileSync(path.join(dir, "train.csv"), train);
        fs.writeFileSync(path.join(dir, "test.csv"), test);
        const spec = { kind: "train-test", train: "train.csv", test: "test.csv", format: "csv", ...policy } as DataSpec;
        try {
          const { dataset, warnings } = loadDatasetWithWarnings(spec, { baseDir: dir });
          expect(dataset.train.nnz).toBeGreaterThan(0);
          expect(dataset.test.nnz).toBeGreaterThan(0);
          expect(dataset.train.nUsers).toBe(dataset.userIds.length);
          expect(dataset.ratingScale[0]).toBeLessThanOrEqual(dataset.ratingScale[1]);
          for (const w of warnings) expect(/^(train|test)\.csv/.test(w)).toBe(true);
        } catch (e) {
          if (e instanceof ParseError) expect(["train.csv", "test.csv"]).toContain(e.file);
          checkError(e, e instanceof ParseError ? e.file : "");
        }
      }),
      { numRuns: 250, seed: SEED + 4 },
    );
  });

  it("random bytes read from disk by readRatingsFile (format detection on the file name and head)", () => {
    let n = 0;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.constantFrom(...FILES), (bytes, name) => {
        const dir = path.join(TMP, `bytes${n++}`);
        fs.mkdirSync(dir);
        const p = path.join(dir, name);
        fs.writeFileSync(p, bytes);
        try {
          const r = readRatingsFile(p, { displayName: name });
          checkParsed(
            r,
            name,
            Buffer.from(bytes)
              .toString("utf8")
              .replace(/^\uFEFF/, ""),
            {},
          );
        } catch (e) {
          checkError(e, name);
        }
      }),
      { numRuns: 150, seed: SEED + 5 },
    );
  });
});
