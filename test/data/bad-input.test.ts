/**
 * "What happens when the input is wrong": one test per row of the README table (issue 7, part 1).
 * Every expected message is written out in full, so a changed message fails here first.
 */
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { InputError, ParseError, SpecError } from "../../src/core/errors";
import { loadDataset, loadDatasetWithWarnings } from "../../src/data/load";
import { validateDataSpec } from "../../src/data/spec";
import { MAX_LINE_BYTES, parseRatings, readRatingsFile, readRatingsFileIndexed, type ParseOptions, type RawRatings } from "../../src/data/parse";
import { readRatingsFileSync } from "../../src/data/stream";
import { loadFolds } from "../../src/experiment/folds";
import { alsModel } from "../../src/models/als/als";
import { scorePredictor } from "../../src/metrics/accuracy";
import { errorOf, parseError } from "../helpers/errors";

const FIXTURES = path.resolve(__dirname, "../fixtures");
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "mflab-bad-input-"));
afterAll(() => fs.rmSync(TMP, { recursive: true, force: true }));

/** Parse, collecting warnings. */
function parseWarn(text: string, file: string, options: ParseOptions = {}): { raw: RawRatings; warnings: string[] } {
  const warnings: string[] = [];
  const raw = parseRatings(text, file, { ...options, onWarning: (m) => warnings.push(m) });
  return { raw, warnings };
}

function write(name: string, text: string | Buffer): string {
  const p = path.join(TMP, name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
  return p;
}

// Rows 2..7; (1,5) at lines 2, 4, 7 and (2,7) at lines 3, 6: three repeated rows, two repeated pairs.
const DUPS = "user,item,rating,timestamp\n1,5,4,10\n2,7,3,20\n1,5,2,30\n3,3,1,40\n2,7,5,15\n1,5,1,25\n";

describe("duplicate (user, item) pairs", () => {
  it("default: error at the first repeat, listing the first repeats with lines and the total", () => {
    const e = parseError(DUPS, "d.csv");
    expect(e.message).toBe(
      "d.csv:4: duplicate rating for user 1, item 5 (first at line 2); 3 repeated rows in all, also " +
        "line 6 (user 2, item 7, first at line 3), line 7 (user 1, item 5, first at line 2); " +
        'set "duplicates" to "keep-last" or "mean" to merge repeated ratings',
    );
    expect([e.line, e.column]).toEqual([4, undefined]);
    // Seven copies of one pair: six repeats, the first five named, then "…".
    const seven = `user,item,rating\n${"a,b,3\n".repeat(7)}`;
    expect(parseError(seven, "s.csv").message).toBe(
      "s.csv:3: duplicate rating for user a, item b (first at line 2); 6 repeated rows in all, also " +
        "line 4 (user a, item b, first at line 2), line 5 (user a, item b, first at line 2), " +
        "line 6 (user a, item b, first at line 2), line 7 (user a, item b, first at line 2), …; " +
        'set "duplicates" to "keep-last" or "mean" to merge repeated ratings',
    );
  });

  it("default via loadDataset: the earliest repeat is reported whichever side of the split the copies fall on", () => {
    // Three copies of (1, 5) at lines 2, 6, 9 and one pair (2, 7) at lines 4 and 8: the earliest repeat is line 6.
    write("dup3.csv", "user,item,rating\n1,5,1\n9,9,1\n2,7,1\n8,8,1\n1,5,2\n7,7,1\n2,7,2\n1,5,3\n");
    for (const seed of [1, 2, 3, 4, 5]) {
      const e = errorOf(() => loadDataset({ kind: "ratings-file", path: "dup3.csv", testFraction: 0.5, seed }, { baseDir: TMP }));
      expect(e).toBeInstanceOf(ParseError);
      expect(e.message).toBe(
        "dup3.csv:6: duplicate rating for user 1, item 5 (first at line 2); 3 repeated rows in all, also " +
          "line 8 (user 2, item 7, first at line 4), line 9 (user 1, item 5, first at line 2); " +
          'set "duplicates" to "keep-last" or "mean" to merge repeated ratings',
      );
    }
  });

  it('"keep-last" keeps the last row of each pair (rating, timestamp, line) and warns with the count', () => {
    const { raw, warnings } = parseWarn(DUPS, "d.csv", { duplicates: "keep-last" });
    expect(raw.users).toEqual(["3", "2", "1"]);
    expect(raw.items).toEqual(["3", "7", "5"]);
    expect(Array.from(raw.ratings)).toEqual([1, 5, 1]);
    expect(Array.from(raw.timestamps!)).toEqual([40, 15, 25]);
    expect(Array.from(raw.lines)).toEqual([5, 6, 7]);
    expect(warnings).toEqual([
      'd.csv: 3 duplicate rows merged into 2 (user, item) pairs (duplicates: "keep-last"); first: line 4 (user 1, item 5, first at line 2)',
    ]);
  });

  it('"mean" keeps one row per pair at its first line with the mean rating and the latest timestamp', () => {
    const { raw, warnings } = parseWarn(DUPS, "d.csv", { duplicates: "mean" });
    expect(raw.users).toEqual(["1", "2", "3"]);
    expect(raw.items).toEqual(["5", "7", "3"]);
    expect(raw.ratings[0]).toBeCloseTo(7 / 3, 15); // (4 + 2 + 1) / 3
    expect(Array.from(raw.ratings.subarray(1))).toEqual([4, 1]); // (3 + 5) / 2, 1
    expect(Array.from(raw.timestamps!)).toEqual([30, 20, 40]);
    expect(Array.from(raw.lines)).toEqual([2, 3, 5]);
    expect(warnings).toEqual([
      'd.csv: 3 duplicate rows merged into 2 (user, item) pairs (duplicates: "mean"); first: line 4 (user 1, item 5, first at line 2)',
    ]);
    // Through a spec: the merged file has 3 distinct pairs, none of them in both train and test.
    write("dups.csv", DUPS);
    const { dataset } = loadDatasetWithWarnings(
      { kind: "ratings-file", path: "dups.csv", duplicates: "mean", testFraction: 0.34, seed: 1 },
      { baseDir: TMP },
    );
    expect(dataset.train.nnz + dataset.test.nnz).toBe(3);
  });

  it("an unknown duplicates policy is a spec error with a suggestion", () => {
    const e = errorOf(() => validateDataSpec({ kind: "ratings-file", path: "r.csv", duplicates: "keep-lst" }));
    expect(e).toBeInstanceOf(SpecError);
    expect(e.message).toBe('data.duplicates must be one of "error", "keep-last", "mean" (did you mean "keep-last"?), got "keep-lst"');
    expect(errorOf(() => parseRatings("u,i,r\n", "x.csv", { duplicates: "first" as never })).message).toBe(
      'x.csv: duplicates must be one of "error", "keep-last", "mean", got "first"',
    );
  });
});

describe("ratings outside the declared scale", () => {
  it("default: error at file:line:column of the first one, with the count", () => {
    const udata = "1\t1\t3\t0\n1\t2\t6\t0\n2\t1\t0\t0\n";
    const e = parseError(udata, "u.data", { ratingScale: [1, 5] });
    expect(e.message).toBe(
      'u.data:2:3: rating 6 is outside the declared rating scale [1, 5] (2 ratings in all are outside it); set "outOfScale" to "clip" to clamp such ratings, or declare a wider "ratingScale"',
    );
    expect([e.line, e.column]).toEqual([2, 3]);
    // The column is the rating's field number in the file's own layout.
    expect(parseError("rating,user,item\n4,a,b\n5.5,a,c\n", "x.csv", { format: "csv", ratingScale: [1, 5] }).message).toBe(
      'x.csv:3:1: rating 5.5 is outside the declared rating scale [1, 5]; set "outOfScale" to "clip" to clamp such ratings, or declare a wider "ratingScale"',
    );
  });

  it('"clip" clamps to the scale, warns with the count, and the dataset carries the declared scale', () => {
    const { raw, warnings } = parseWarn("1\t1\t3\t0\n1\t2\t6\t0\n2\t1\t0\t0\n", "u.data", { ratingScale: [1, 5], outOfScale: "clip" });
    expect(Array.from(raw.ratings)).toEqual([3, 5, 1]);
    expect(warnings).toEqual(['u.data: clipped 2 ratings outside [1, 5] (outOfScale: "clip"); first: line 2, 6 → 5']);
    write("scale.csv", "user,item,rating\na,x,0\na,y,3\nb,x,4\nb,y,9\nc,z,2\n");
    const { dataset, warnings: w } = loadDatasetWithWarnings(
      { kind: "ratings-file", path: "scale.csv", ratingScale: [0.5, 5], outOfScale: "clip", testFraction: 0.2, seed: 3 },
      { baseDir: TMP },
    );
    expect(dataset.ratingScale).toEqual([0.5, 5]);
    expect([...dataset.train.values, ...dataset.test.values].sort()).toEqual([0.5, 2, 3, 4, 5]);
    expect(w).toEqual(['scale.csv: clipped 2 ratings outside [0.5, 5] (outOfScale: "clip"); first: line 2, 0 → 0.5']);
  });

  it("MovieLens 100K folders are checked against [1, 5] (error by default, clip on request)", () => {
    const dir = path.join(TMP, "ml");
    fs.mkdirSync(dir, { recursive: true });
    for (const f of ["u1.base", "u.item"]) fs.copyFileSync(path.join(FIXTURES, "ml-mini", f), path.join(dir, f));
    fs.writeFileSync(path.join(dir, "u1.test"), "2\t5\t3\t881250957\n5\t6\t6\t881250958\n");
    const e = errorOf(() => loadDataset({ kind: "movielens-100k", path: "ml", split: "u1" }, { baseDir: TMP }));
    expect(e).toBeInstanceOf(ParseError);
    expect(e.message).toBe(
      `${path.join("ml", "u1.test")}:2:3: rating 6 is outside the declared rating scale [1, 5]; set "outOfScale" to "clip" to clamp such ratings, or declare a wider "ratingScale"`,
    );
    const { dataset, warnings } = loadDatasetWithWarnings({ kind: "movielens-100k", path: "ml", split: "u1", outOfScale: "clip" }, { baseDir: TMP });
    expect(Array.from(dataset.test.values)).toEqual([3, 5]);
    expect(warnings).toEqual([`${path.join("ml", "u1.test")}: clipped 1 rating outside [1, 5] (outOfScale: "clip"); first: line 2, 6 → 5`]);
  });

  it("a malformed scale, or outOfScale without a scale, is a spec error", () => {
    const msg = (spec: unknown) => errorOf(() => validateDataSpec(spec)).message;
    expect(msg({ kind: "ratings-file", path: "r.csv", ratingScale: [5, 1] })).toBe(
      "data.ratingScale must be [min, max] with finite numbers min < max, such as [1, 5], got [5,1]",
    );
    expect(msg({ kind: "train-test", train: "a", test: "b", ratingScale: "1-5" })).toBe(
      'data.ratingScale must be [min, max] with finite numbers min < max, such as [1, 5], got "1-5"',
    );
    expect(msg({ kind: "ratings-file", path: "r.csv", outOfScale: "clip" })).toBe(
      'data.outOfScale only applies with a declared "ratingScale": [min, max]',
    );
    expect(msg({ kind: "movielens-100k", path: "ml", ratingScale: [1, 10] })).toBe(
      'data.ratingScale is not a field of a "movielens-100k" data spec; known: kind, path, split, testFraction, seed, duplicates, outOfScale',
    );
    expect(errorOf(() => parseRatings("1\t1\t1\t1\n", "u.data", { ratingScale: [1, NaN] })).message).toBe(
      "u.data: ratingScale must be [min, max] with finite numbers min < max, got [1,null]",
    );
  });
});

describe("rating fields that are not numbers", () => {
  it("NaN, Inf, empty and blank rating fields in a csv: error with file:line:column", () => {
    const text = (r: string) => `user,item,rating\na,x,4\nb,"y",${r}\n`;
    const at = (r: string) => parseError(text(r), "r.csv", { format: "csv" }).message;
    expect(at("NaN")).toBe('r.csv:3:3: rating "NaN" is not a number');
    expect(at("nan")).toBe('r.csv:3:3: rating "nan" is not a number');
    expect(at("Inf")).toBe('r.csv:3:3: rating "Inf" is not a finite number');
    expect(at("-Infinity")).toBe('r.csv:3:3: rating "-Infinity" is not a finite number');
    expect(at("1e400")).toBe('r.csv:3:3: rating "1e400" is not a finite number');
    expect(at("")).toBe("r.csv:3:3: rating is empty");
    expect(at("   ")).toBe("r.csv:3:3: rating is empty");
    expect(at('""')).toBe("r.csv:3:3: rating is empty");
    expect(at("4 stars")).toBe('r.csv:3:3: rating "4 stars" is not a number');
    expect(at("3,5")).toBe("r.csv:3: expected 3 comma-separated fields (user,item,rating), found 4");
  });
});

describe("headers, BOM and line ends", () => {
  it("a header line in a u.data-style file is skipped with a warning; a header alone is 'no ratings'", () => {
    const { raw, warnings } = parseWarn("user\titem\trating\ttimestamp\n1\t2\t3\t4\n", "u.data");
    expect(raw.users).toEqual(["1"]);
    expect(Array.from(raw.lines)).toEqual([2]);
    expect(warnings).toEqual(['u.data:1: skipped a header line ("user\\titem\\trating\\ttimestamp"); tab-separated ratings files have no header']);
    expect(parseError("UserID::MovieID::Rating::Timestamp\r\n", "ratings.dat").message).toBe("ratings.dat:1: no ratings found (only a header line)");
    // Only the first line can be a header: the same words later are a bad row.
    expect(parseError("1\t2\t3\t4\nuser\titem\trating\ttimestamp\n", "u.data").message).toBe('u.data:2:3: rating "rating" is not a number');
  });

  it("csv: a header is recognised by its names, a first row with numeric rating/timestamp is data", () => {
    const named = parseRatings("USERID;MovieId;Rating\nu1;m1;4\n", "x.csv", { format: "csv" });
    expect([named.users, named.items, Array.from(named.lines)]).toEqual([["u1"], ["m1"], [2]]);
    const headerless = parseRatings("u1,m1,4\nu2,m2,2.5\n", "x.csv", { format: "csv" });
    expect([headerless.users, Array.from(headerless.ratings), Array.from(headerless.lines)]).toEqual([
      ["u1", "u2"],
      [4, 2.5],
      [1, 2],
    ]);
  });

  it("a UTF-8 BOM and CRLF line ends are accepted in every format, from disk too", () => {
    const p = write("bom/ratings.csv", "\uFEFFuserId,movieId,rating,timestamp\r\n1,31,2.5,1260759144\r\n\r\n2,10,4,1260759145\r\n");
    const r = readRatingsFile(p);
    expect([r.users, r.items, Array.from(r.ratings), Array.from(r.lines)]).toEqual([
      ["1", "2"],
      ["31", "10"],
      [2.5, 4],
      [2, 4],
    ]);
    const q = write("bom/plain.txt", "\uFEFFuser,item,rating\r\na,b,3\r\n");
    expect(readRatingsFile(q).users).toEqual(["a"]);
    const d = parseRatings("\uFEFF1::2::3::4\r\n", "ratings.dat");
    expect([d.users, d.items, Array.from(d.ratings)]).toEqual([["1"], ["2"], [3]]);
  });
});

describe("ids", () => {
  it("ids are strings: '1.5', 20-digit and '01' vs '1' are distinct ids, kept exactly", () => {
    write("ids/train.csv", "user,item,rating\n1.5,99999999999999999999,4\n01,x,3\n1,x,2\n1,99999999999999999998,5\n");
    write("ids/test.csv", "user,item,rating\n1.5,x,1\n");
    const ds = loadDataset({ kind: "train-test", train: "ids/train.csv", test: "ids/test.csv" }, { baseDir: TMP });
    expect(ds.userIds).toEqual(["1.5", "01", "1"]);
    // Two 20-digit ids that are equal as doubles (both round to 1e20) stay two items.
    expect(Number("99999999999999999999")).toBe(Number("99999999999999999998"));
    expect(ds.itemIds).toEqual(["99999999999999999999", "x", "99999999999999999998"]);
  });

  it("an empty id field is an error with its column", () => {
    expect(parseError("user,item,rating\n ,x,3\n", "x.csv", { format: "csv" }).message).toBe("x.csv:2:1: user id is empty");
    expect(parseError("rating,item,user\n3,,u\n", "x.csv", { format: "csv" }).message).toBe("x.csv:2:2: item id is empty");
    expect(parseError("1::::3::4\n", "ratings.dat").message).toBe("ratings.dat:1:2: item id is empty");
  });
});

describe("empty and non-text files", () => {
  it("an empty, blank or header-only file says 'no ratings found' and why", () => {
    expect(parseError("", "x.csv", { format: "csv" }).message).toBe("x.csv:1: no ratings found (the file is empty)");
    expect(parseError("\uFEFF", "u.data").message).toBe("u.data:1: no ratings found (the file is empty)");
    expect(parseError(" \r\n\t\n", "u.data").message).toBe("u.data:2: no ratings found (the file is empty)");
    expect(parseError("user,item,rating\r\n\r\n", "x.csv", { format: "csv" }).message).toBe("x.csv:2: no ratings found (only a header line)");
    write("empty/train.csv", "");
    write("empty/test.csv", "user,item,rating\na,b,3\n");
    const e = errorOf(() => loadDataset({ kind: "train-test", train: "empty/train.csv", test: "empty/test.csv" }, { baseDir: TMP }));
    expect(e).toBeInstanceOf(ParseError);
    expect(e.message).toBe("empty/train.csv:1: no ratings found (the file is empty)");
  });

  it("a binary or UTF-16 file is refused at its first NUL byte", () => {
    const utf16 = Buffer.from("\uFEFFuser,item,rating\r\na,b,3\r\n", "utf16le");
    const e = errorOf(() => readRatingsFile(write("u16.csv", utf16)));
    expect(e).toBeInstanceOf(ParseError);
    expect(e.message).toBe(`${path.join(TMP, "u16.csv")}:1: contains a NUL byte: this looks like a binary or UTF-16 file, expected UTF-8 text`);
    expect(parseError("1\t2\t3\t4\n5\t6\u00007\t8\n", "u.data").message).toBe(
      "u.data:2: contains a NUL byte: this looks like a binary or UTF-16 file, expected UTF-8 text",
    );
  });
});

describe("test sets the model cannot know", () => {
  it("a test set whose users and items are all unseen loads; every prediction is a counted fallback", () => {
    write("unseen/train.csv", "user,item,rating\na,x,4\na,y,2\nb,x,3\n");
    write("unseen/test.csv", "user,item,rating\nc,z,5\nd,w,1\n");
    const { dataset: ds, warnings } = loadDatasetWithWarnings(
      { kind: "train-test", train: "unseen/train.csv", test: "unseen/test.csv", ratingScale: [1, 5] },
      { baseDir: TMP },
    );
    expect(warnings).toEqual([]);
    expect([ds.train.nUsers, ds.train.nItems, ds.test.nnz]).toEqual([4, 4, 2]);
    const fit = alsModel.fit(ds.train, alsModel.config({ d: 2, maxIterations: 3, seed: 1 }), {});
    const s = scorePredictor(fit.model, ds.test);
    // ALS falls back to the training mean μ = 3: errors +2 and −2.
    expect(s.fallbackCount).toBe(2);
    expect(s.n).toBe(2);
    expect(s.mse).toBeCloseTo(4, 12);
    expect(s.mae).toBeCloseTo(2, 12);
  });

  it("train/test overlap of a (user, item) pair is a warning with the count; both ratings are kept", () => {
    write("ov/tr.csv", "user,item,rating\na,x,1\nb,y,2\nc,z,3\n");
    write("ov/te.csv", "user,item,rating\nc,x,3\nb,y,4\na,x,5\n");
    const spec = { kind: "train-test", train: "ov/tr.csv", test: "ov/te.csv", ratingScale: [1, 5] } as const;
    const expected =
      "ov/te.csv: 2 test ratings are for (user, item) pairs also in the training file ov/tr.csv " +
      "(first: user b, item y at ov/te.csv:3 and ov/tr.csv:3); kept on both sides, so test error on them is optimistic";
    const seen: string[] = [];
    const ds = loadDataset(spec, { baseDir: TMP, onWarning: (m) => seen.push(m) });
    expect(seen).toEqual([expected]);
    expect([ds.train.nnz, ds.test.nnz]).toEqual([3, 3]);
    expect(Array.from(ds.test.values)).toEqual([3, 4, 5]);
    // Without a callback the warning goes to stderr (console.warn), so the CLI shows it.
    const spy = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      loadDataset(spec, { baseDir: TMP });
      expect(spy.mock.calls).toEqual([[`warning: ${expected}`]]);
    } finally {
      spy.mockRestore();
    }
    // One overlapping pair: singular wording.
    write("ov/te1.csv", "user,item,rating\nb,y,4\n");
    expect(loadDatasetWithWarnings({ ...spec, test: "ov/te1.csv" }, { baseDir: TMP }).warnings).toEqual([
      "ov/te1.csv: 1 test rating is for a (user, item) pair also in the training file ov/tr.csv (first: user b, item y at ov/te1.csv:2 and ov/tr.csv:3); kept on both sides, so test error on them is optimistic",
    ]);
  });
});

describe("ids that are not UTF-8", () => {
  // café and cafè in latin-1: decoded leniently both read "caf\uFFFD", one user instead of two.
  const latin1 = (text: string) => Buffer.from(text, "latin1");

  it("are an error at file:line:column in every format, never merged through U+FFFD", () => {
    const csv = write("utf8/r.csv", latin1("user,item,rating\ncafé,1,4\ncafè,1,3\n"));
    expect(errorOf(() => readRatingsFile(csv, { displayName: "r.csv" })).message).toBe(
      "r.csv:2:1: user id is not valid UTF-8 (byte 0xE9 at byte 4 of the field); ratings files must be UTF-8 text",
    );
    const udata = write("utf8/u.data", Buffer.concat([Buffer.from("1\t1\t5\t0\n1\tm"), Buffer.of(0xff), Buffer.from("\t4\t0\n")]));
    const e = errorOf(() => loadDataset({ kind: "ratings-file", path: "utf8/u.data" }, { baseDir: TMP }));
    expect(e).toBeInstanceOf(ParseError);
    expect(e.message).toBe("utf8/u.data:2:2: item id is not valid UTF-8 (byte 0xFF at byte 2 of the field); ratings files must be UTF-8 text");
    expect(errorOf(() => readRatingsFile(udata, { displayName: "u.data" })).message).toMatch(/^u\.data:2:2: item id is not valid UTF-8/);
  });

  it("the streaming reader too, with the byte column of the bad byte", () => {
    const p = write("utf8/ratings.csv", latin1("userId,movieId,rating\n1,2,4\ncafé,1,3\n"));
    expect(errorOf(() => readRatingsFileSync(p, { name: "ratings.csv" })).message).toBe(
      "ratings.csv:3:4: userId is not valid UTF-8 (byte 0xE9 at byte 4 of the field); ratings files must be UTF-8 text",
    );
  });

  it("valid UTF-8 ids are kept exactly, a U+FFFD written in the file included", () => {
    const p = write("utf8/ok.csv", "user,item,rating\ncafé,1,4\ncafè,1,3\n\uFFFD,1,2\n");
    expect(readRatingsFile(p).users).toEqual(["café", "cafè", "\uFFFD"]);
  });
});

describe("rating scales: MovieLens's for udata files, otherwise declared or inferred with a warning", () => {
  const UDATA6 = "1\t1\t5\t0\n1\t2\t6\t0\n2\t1\t4\t0\n2\t2\t3\t0\n3\t1\t1\t0\n";

  it("a u.data file passed directly is checked against [1, 5], as in a MovieLens folder", () => {
    write("scale/u.data", UDATA6);
    const msg =
      'scale/u.data:2:3: rating 6 is outside the declared rating scale [1, 5]; set "outOfScale" to "clip" to clamp such ratings, or declare a wider "ratingScale"';
    expect(errorOf(() => loadDataset({ kind: "ratings-file", path: "scale/u.data" }, { baseDir: TMP })).message).toBe(msg);
    // format "udata" given, whatever the name; in a train-test pair too
    write("scale/ratings.txt", UDATA6);
    expect(errorOf(() => loadDataset({ kind: "ratings-file", path: "scale/ratings.txt", format: "udata" }, { baseDir: TMP })).message).toBe(
      msg.replace("u.data", "ratings.txt"),
    );
    write("scale/ok.base", "1\t1\t5\t0\n2\t1\t4\t0\n");
    expect(errorOf(() => loadDataset({ kind: "train-test", train: "scale/ok.base", test: "scale/u.data" }, { baseDir: TMP })).message).toBe(msg);
  });

  it("clips on request (outOfScale is accepted with format udata), and a declared scale wins", () => {
    const { dataset, warnings } = loadDatasetWithWarnings(
      { kind: "ratings-file", path: "scale/u.data", format: "udata", outOfScale: "clip", testFraction: 0.2, seed: 1 },
      { baseDir: TMP },
    );
    expect(warnings).toEqual(['scale/u.data: clipped 1 rating outside [1, 5] (outOfScale: "clip"); first: line 2, 6 → 5']);
    expect(dataset.ratingScale).toEqual([1, 5]);
    const wide = loadDatasetWithWarnings({ kind: "ratings-file", path: "scale/u.data", ratingScale: [0, 10] }, { baseDir: TMP });
    expect([wide.warnings, wide.dataset.ratingScale]).toEqual([[], [0, 10]]);
  });

  it("without a declared scale, the inferred one is printed as a warning", () => {
    write("scale/r.csv", "user,item,rating\na,x,0.5\nb,y,5\nc,x,3\nd,y,4\ne,x,2\n");
    const { dataset, warnings } = loadDatasetWithWarnings(
      { kind: "ratings-file", path: "scale/r.csv", testFraction: 0.2, seed: 1 },
      { baseDir: TMP },
    );
    expect(dataset.ratingScale).toEqual([0.5, 5]);
    expect(warnings).toEqual(['scale/r.csv: rating scale [0.5, 5] inferred from the training ratings; declare "ratingScale" to check it']);
    write("scale/test.csv", "user,item,rating\na,y,3\n");
    expect(loadDatasetWithWarnings({ kind: "train-test", train: "scale/r.csv", test: "scale/test.csv" }, { baseDir: TMP }).warnings).toEqual([
      'scale/r.csv: rating scale [0.5, 5] inferred from the training ratings; declare "ratingScale" to check it',
    ]);
    expect(loadDatasetWithWarnings({ kind: "ratings-file", path: "scale/r.csv", ratingScale: [0.5, 5] }, { baseDir: TMP }).warnings).toEqual([]);
  });
});

describe("paths that are not regular files (in-process; FIFOs, devices and permissions: test/cli/errors.test.ts)", () => {
  it("a folder or a socket where a ratings file is expected", async () => {
    fs.mkdirSync(path.join(TMP, "notfile/r.csv"), { recursive: true });
    expect(errorOf(() => loadDataset({ kind: "ratings-file", path: "notfile/r.csv" }, { baseDir: TMP })).message).toBe(
      "notfile/r.csv: is a folder, expected a ratings file",
    );
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(path.join(TMP, "notfile/s.csv"), resolve));
    try {
      const e = errorOf(() => loadDataset({ kind: "ratings-file", path: "notfile/s.csv" }, { baseDir: TMP }));
      expect(e).toBeInstanceOf(InputError);
      expect(e.message).toBe("notfile/s.csv: is a socket, expected a ratings file; only regular files are read");
    } finally {
      server.close();
    }
  });

  it("an unreadable or odd u.item is a warning: the dataset loads without titles", () => {
    const dir = path.join(TMP, "titles");
    fs.mkdirSync(path.join(dir, "u.item"), { recursive: true });
    for (const f of ["u1.base", "u1.test"]) fs.copyFileSync(path.join(FIXTURES, "ml-mini", f), path.join(dir, f));
    const { dataset, warnings } = loadDatasetWithWarnings({ kind: "movielens-100k", path: "titles", split: "u1" }, { baseDir: TMP });
    expect(warnings).toEqual([`${path.join("titles", "u.item")}: is a folder, expected a titles file; the items have no titles`]);
    expect(dataset.itemTitles).toBeUndefined();
    expect(dataset.train.nnz).toBeGreaterThan(0);
  });
});

describe("more folds than ratings", () => {
  it("is a spec error at folds, from the data layer's k-fold split and through the sweep's fold loader", () => {
    write("folds/r.csv", "user,item,rating\na,x,1\nb,y,2\nc,z,3\n");
    const expected = "folds must be at most the number of ratings (3), so that every test fold holds at least one rating, got 5";
    const e = errorOf(() => loadFolds({ kind: "ratings-file", path: "folds/r.csv", ratingScale: [1, 5] }, 5, 0, TMP));
    expect(e).toBeInstanceOf(SpecError);
    expect(e.message).toBe(expected);
  });
});

describe("large files are streamed, never read whole", () => {
  it("every chunk size gives the same rows (lines split across chunks)", () => {
    const p = write("chunks/u.data", "1\t1\t5\t0\n\n  \n12\t3\t4\t1\r\n123\t1\t2\t2\n12\t1\t3\t3");
    const whole = readRatingsFileIndexed(p);
    for (const chunkBytes of [1, 2, 3, 7, 64]) expect(readRatingsFileIndexed(p, { chunkBytes }), `chunk ${chunkBytes}`).toEqual(whole);
    expect([whole.userIds, Array.from(whole.users), Array.from(whole.lines)]).toEqual([
      ["1", "12", "123"],
      [0, 1, 2, 1],
      [1, 4, 5, 6],
    ]);
  });

  it("a line longer than 1 MiB is an error (a file without line ends cannot fill memory)", () => {
    const p = write("chunks/long.csv", `user,item,rating\n${"x".repeat(MAX_LINE_BYTES + 1)},1,2\n`);
    expect(errorOf(() => readRatingsFile(p, { displayName: "long.csv" })).message).toBe(`long.csv:2: is longer than ${MAX_LINE_BYTES} bytes`);
  });

  // A file over 2 GiB (node's limit for reading a file whole; a 512 MiB string is V8's): mostly blank lines of
  // spaces, so that it is cheap to write and to read (≈ 7 s here), with ratings before and after them.
  const GIB = 1 << 30;
  const enoughDisk = (() => {
    try {
      const s = fs.statfsSync(TMP);
      return s.bavail * s.bsize > 8 * GIB;
    } catch {
      return false;
    }
  })();
  if (!enoughDisk) console.warn("skipping the 2.1 GiB file test: less than 8 GiB free in the temporary folder");
  it.skipIf(!enoughDisk)("a ratings file over 2 GiB loads", { timeout: 120_000 }, () => {
    const p = path.join(TMP, "big", "u.data");
    fs.mkdirSync(path.dirname(p), { recursive: true });
    const blank = Buffer.alloc(1 << 20, 0x20);
    for (let k = 1023; k < blank.length; k += 1024) blank[k] = 0x0a; // 1024 blank lines of 1023 spaces
    const mib = 2200;
    const fd = fs.openSync(p, "w");
    try {
      fs.writeSync(fd, "1\t1\t5\t881250949\n1\t2\t3\t881250950\n");
      for (let k = 0; k < mib; k++) fs.writeSync(fd, blank);
      fs.writeSync(fd, "2\t1\t4\t881250951\n2\t2\t2\t881250952\n3\t1\t1\t881250953\n");
    } finally {
      fs.closeSync(fd);
    }
    try {
      expect(fs.statSync(p).size).toBeGreaterThan(2 * GIB);
      const { dataset, warnings } = loadDatasetWithWarnings({ kind: "ratings-file", path: p, testFraction: 0.2, seed: 1 });
      expect(warnings).toEqual([]);
      expect([dataset.train.nnz + dataset.test.nnz, dataset.userIds.length, dataset.ratingScale]).toEqual([5, 3, [1, 5]]);
      const raw = readRatingsFileIndexed(p);
      expect(Array.from(raw.lines)).toEqual([1, 2, 3 + mib * 1024, 4 + mib * 1024, 5 + mib * 1024]);
    } finally {
      fs.rmSync(p, { force: true });
    }
  });
});

describe("every bad input is a typed error", () => {
  it("InputError / ParseError / SpecError carry where and why", () => {
    const e = parseError("1\t2\tx\t4\n", "u.data");
    expect(e).toBeInstanceOf(InputError);
    expect([e.file, e.line, e.column, e.reason]).toEqual(["u.data", 1, 3, 'rating "x" is not a number']);
  });
});

const ML100K_DIR = path.resolve(__dirname, "../../../shared/datasets/ml-100k");
const HAS_ML100K = fs.existsSync(path.join(ML100K_DIR, "u.data"));
if (!HAS_ML100K) console.warn(`skipping the MovieLens 100K input checks: ${ML100K_DIR} not found`);

describe.skipIf(!HAS_ML100K)("real MovieLens 100K", () => {
  it("every official fold and the holdout pass the default checks (no duplicates, all in [1, 5]) without a warning", () => {
    for (const split of ["u1", "u2", "u3", "u4", "u5", "holdout"] as const) {
      const { dataset, warnings } = loadDatasetWithWarnings({ kind: "movielens-100k", path: ML100K_DIR, split });
      expect(warnings, split).toEqual([]);
      expect(dataset.train.nnz + dataset.test.nnz, split).toBe(100_000);
    }
  });
});
