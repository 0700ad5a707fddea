import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/core/errors";
import { detectFormat, parseDecimal, parseRatings, readRatingsFile } from "../../src/data/parse";
import { errorOf, parseError } from "../helpers/errors";

const FIXTURES = path.resolve(__dirname, "../fixtures");
const ML100K_DIR = path.resolve(__dirname, "../../../shared/datasets/ml-100k");

describe("udata (MovieLens 100K u.data)", () => {
  it("parses tab-separated user item rating timestamp rows", () => {
    const r = parseRatings("196\t242\t3\t881250949\n22\t377\t1.5\t878887116\n", "u.data");
    expect(r.file).toBe("u.data");
    expect(r.users).toEqual(["196", "22"]);
    expect(r.items).toEqual(["242", "377"]);
    expect(Array.from(r.ratings)).toEqual([3, 1.5]);
    expect(Array.from(r.timestamps!)).toEqual([881250949, 878887116]);
    expect(Array.from(r.lines)).toEqual([1, 2]);
  });

  it("ignores a BOM, accepts CRLF, skips blank lines, keeps source line numbers", () => {
    const r = parseRatings("\uFEFF1\t10\t4\t100\r\n\r\n   \n2\t20\t3\t200\r\n\n", "u1.base");
    expect(r.users).toEqual(["1", "2"]);
    expect(r.items).toEqual(["10", "20"]);
    expect(Array.from(r.ratings)).toEqual([4, 3]);
    expect(Array.from(r.lines)).toEqual([1, 4]);
  });

  it("accepts a last line without a newline", () => {
    const r = parseRatings("1\t10\t4\t100\n2\t20\t5\t200", "u.data");
    expect(Array.from(r.ratings)).toEqual([4, 5]);
  });

  it("names the line and the expected layout on a wrong field count", () => {
    const e = parseError("1\t2\t3\t4\n1\t2\n", "u.data");
    expect(e.message).toBe("u.data:2: expected 4 tab-separated fields (user item rating timestamp), found 2");
    expect(e.line).toBe(2);
    expect(e.column).toBeUndefined();
    expect(parseError("1\t2\t3\t4\t5\n", "u.data").message).toBe("u.data:1: expected 4 tab-separated fields (user item rating timestamp), found 5");
  });

  it("refuses non-numeric, NaN and infinite ratings with file:line:column", () => {
    expect(parseError("1\t2\t4\t9\n1\t3\tabc\t9\n", "u.data").message).toBe('u.data:2:3: rating "abc" is not a number');
    expect(parseError("1\t2\tNaN\t9\n", "u.data").message).toBe('u.data:1:3: rating "NaN" is not a number');
    expect(parseError("1\t2\tInfinity\t9\n", "u.data").message).toBe('u.data:1:3: rating "Infinity" is not a finite number');
    expect(parseError("1\t2\t1e999\t9\n", "u.data").message).toBe('u.data:1:3: rating "1e999" is not a finite number');
    expect(parseError("1\t2\t0x5\t9\n", "u.data").message).toBe('u.data:1:3: rating "0x5" is not a number');
    expect(parseError("1\t2\t\t9\n", "u.data").message).toBe("u.data:1:3: rating is empty");
    expect(parseError("1\t2\t3\tyesterday\n", "u.data").message).toBe('u.data:1:4: timestamp "yesterday" is not a number');
    expect(parseError("\t2\t3\t4\n", "u.data").message).toBe("u.data:1:1: user id is empty");
  });

  it("says so when there are no ratings", () => {
    expect(parseError("", "u.data").message).toBe("u.data:1: no ratings found (the file is empty)");
    expect(parseError("\n\r\n\n", "u.data").message).toBe("u.data:3: no ratings found (the file is empty)");
  });
});

describe("ratings-dat (MovieLens 1M ratings.dat)", () => {
  it("parses user::item::rating::timestamp", () => {
    const r = parseRatings("1::1193::5::978300760\n1::661::3::978302109\n", "ratings.dat");
    expect(r.users).toEqual(["1", "1"]);
    expect(r.items).toEqual(["1193", "661"]);
    expect(Array.from(r.ratings)).toEqual([5, 3]);
    expect(Array.from(r.timestamps!)).toEqual([978300760, 978302109]);
  });

  it("names the expected layout", () => {
    expect(parseError("1::1193::5\n", "ratings.dat").message).toBe(
      'ratings.dat:1: expected 4 "::"-separated fields (user::item::rating::timestamp), found 3',
    );
  });
});

describe("ratings-csv (MovieLens ratings.csv)", () => {
  const header = "userId,movieId,rating,timestamp\n";

  it("parses half-star ratings with the MovieLens header", () => {
    const r = parseRatings(`${header}1,31,2.5,1260759144\n1,1029,3.0,1260759179\n`, "ratings.csv");
    expect(r.users).toEqual(["1", "1"]);
    expect(r.items).toEqual(["31", "1029"]);
    expect(Array.from(r.ratings)).toEqual([2.5, 3]);
    expect(Array.from(r.timestamps!)).toEqual([1260759144, 1260759179]);
    expect(Array.from(r.lines)).toEqual([2, 3]);
  });

  it("reports a bad rating as file:line:column", () => {
    let text = header;
    for (let k = 2; k <= 16; k++) text += `${k},${k + 100},4,1260759144\n`;
    text += "17,5,abc,1260759144\n";
    expect(parseError(text, "ratings.csv").message).toBe('ratings.csv:17:3: rating "abc" is not a number');
  });

  it("refuses a header without the MovieLens columns", () => {
    expect(parseError("user,item,stars\n1,2,3\n", "ratings.csv").message).toBe(
      'ratings.csv:1: no column "userId" in header (columns: user, item, stars)',
    );
  });

  it("refuses a header-only file", () => {
    expect(parseError(header, "ratings.csv").message).toBe("ratings.csv:1: no ratings found (only a header line)");
  });
});

describe("csv (generic)", () => {
  it("finds columns by their common names, in any order and case", () => {
    const r = parseRatings("Rating,movie_id,USER_ID\n4,m1,u1\n2,m2,u2\n", "x.csv", { format: "csv" });
    expect(r.users).toEqual(["u1", "u2"]);
    expect(r.items).toEqual(["m1", "m2"]);
    expect(Array.from(r.ratings)).toEqual([4, 2]);
    expect(r.timestamps).toBeUndefined();
  });

  it("uses configured column names and an explicit delimiter", () => {
    const r = parseRatings("who|what|stars|when\nann|x|5|10\n", "x.txt", {
      format: "csv",
      delimiter: "|",
      columns: { user: "who", item: "what", rating: "stars", timestamp: "when" },
    });
    expect(r.users).toEqual(["ann"]);
    expect(r.items).toEqual(["x"]);
    expect(Array.from(r.ratings)).toEqual([5]);
    expect(Array.from(r.timestamps!)).toEqual([10]);
  });

  it("sniffs tab and semicolon delimiters from the header", () => {
    const tab = parseRatings("user\titem\trating\na\tb\t3\n", "x.tsv", { format: "csv" });
    expect([tab.users[0], tab.items[0], tab.ratings[0]]).toEqual(["a", "b", 3]);
    const semi = parseRatings("user;item;rating\na;b;3,5\n".replace("3,5", "3.5"), "x.csv", { format: "csv" });
    expect([semi.users[0], semi.items[0], semi.ratings[0]]).toEqual(["a", "b", 3.5]);
  });

  it("reads quoted fields (delimiters and doubled quotes inside) and trims spaces", () => {
    const text = 'user,item,rating\n"Smith, J.","The ""Best"" Movie",4\n  bob , plain ,  2.5 \n';
    const r = parseRatings(text, "x.csv", { format: "csv" });
    expect(r.users).toEqual(["Smith, J.", "bob"]);
    expect(r.items).toEqual(['The "Best" Movie', "plain"]);
    expect(Array.from(r.ratings)).toEqual([4, 2.5]);
  });

  it("reports unterminated quotes and text after a closing quote", () => {
    expect(parseError('user,item,rating\na,"oops,3\n', "x.csv", { format: "csv" }).message).toBe(
      'x.csv:2:2: unterminated quoted field (no closing ")',
    );
    expect(parseError('user,item,rating\na,"b"c,3\n', "x.csv", { format: "csv" }).message).toBe(
      'x.csv:2:2: unexpected "c" after a closing quote (expected ",")',
    );
  });

  it("names a missing column and lists the header", () => {
    expect(parseError("a,b,c\n1,2,3\n", "x.csv", { format: "csv", columns: { user: "a", item: "b" } }).message).toBe(
      'x.csv:1: no column "rating" in header (columns: a, b, c)',
    );
    expect(parseError("a,b,c\n1,2,3\n", "x.csv", { format: "csv" }).message).toBe(
      'x.csv:1: no column "user" (or userId, user_id) in header (columns: a, b, c)',
    );
    expect(parseError("user,item,rating\n1,2,3\n", "x.csv", { format: "csv", columns: { timestamp: "time" } }).message).toBe(
      'x.csv:1: no column "time" in header (columns: user, item, rating)',
    );
  });

  it("reports a wrong field count against the header", () => {
    expect(parseError("user,item,rating\na,b,3\na,b\n", "x.csv", { format: "csv" }).message).toBe(
      "x.csv:3: expected 3 comma-separated fields (user,item,rating), found 2",
    );
  });

  it("reads an all-numeric first line as a headerless file (user, item, rating[, timestamp])", () => {
    const r = parseRatings("1,2,3.5\n4,5,1\n", "x.csv", { format: "csv" });
    expect(r.users).toEqual(["1", "4"]);
    expect(Array.from(r.ratings)).toEqual([3.5, 1]);
    expect(Array.from(r.lines)).toEqual([1, 2]);
    const t = parseRatings("u1,i1,3,99\n", "x.csv", { format: "csv" });
    expect(Array.from(t.timestamps!)).toEqual([99]);
  });

  it("says the file is empty", () => {
    expect(parseError("", "x.csv", { format: "csv" }).message).toBe("x.csv:1: no ratings found (the file is empty)");
  });
});

describe("parseDecimal", () => {
  it("accepts plain decimals and exponents, refuses everything else", () => {
    expect([parseDecimal("4"), parseDecimal("-2.5"), parseDecimal("+.5"), parseDecimal("1e3"), parseDecimal("2.E-1")]).toEqual([
      4, -2.5, 0.5, 1000, 0.2,
    ]);
    for (const bad of ["", "-", ".", "1.2.3", "1e", "0x10", " 1", "1 ", "NaN", "Infinity", "5a"]) {
      expect(parseDecimal(bad), bad).toBeNaN();
    }
  });
});

describe("detectFormat", () => {
  it("goes by file name first", () => {
    expect(detectFormat("/x/u.data", "")).toBe("udata");
    expect(detectFormat("u1.base", "")).toBe("udata");
    expect(detectFormat("ua.test", "")).toBe("udata");
    expect(detectFormat("ml-1m/ratings.dat", "")).toBe("ratings-dat");
    expect(detectFormat("ml-latest/ratings.csv", "whatever")).toBe("ratings-csv");
  });

  it("sniffs other .csv headers and unnamed files", () => {
    expect(detectFormat("mine.csv", "userId,movieId,rating,timestamp\n1,2,3,4")).toBe("ratings-csv");
    expect(detectFormat("mine.csv", "user,item,rating\n")).toBe("csv");
    expect(detectFormat("data.txt", "1::2::3::4\n")).toBe("ratings-dat");
    expect(detectFormat("data.txt", "1\t2\t3\t881250949\n")).toBe("udata");
    expect(detectFormat("data.txt", "user;item;rating\n")).toBe("csv");
  });

  it("reads the head of the file when none is given", () => {
    expect(detectFormat(path.join(FIXTURES, "toy/train.csv"))).toBe("csv");
  });
});

describe("readRatingsFile", () => {
  it("reads the toy fixture with format detection", () => {
    const r = readRatingsFile(path.join(FIXTURES, "toy/train.csv"), { displayName: "toy/train.csv" });
    expect(r.file).toBe("toy/train.csv");
    expect(r.users).toEqual(["alice", "alice", "bob", "bob", "carol"]);
    expect(r.items).toEqual(["matrix", "titanic", "matrix", "amelie", "titanic"]);
    expect(Array.from(r.ratings)).toEqual([5, 3, 4, 2, 1]);
  });

  it("reads a u.data-style file", () => {
    const r = readRatingsFile(path.join(FIXTURES, "ml-mini/u1.base"));
    expect(r.ratings.length).toBe(8);
    expect(r.timestamps![0]).toBe(881250949);
  });

  it("names a missing file or a folder", () => {
    const e = errorOf(() => readRatingsFile(path.join(FIXTURES, "nope.csv"), { displayName: "nope.csv" }));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toBe("nope.csv: no such file (expected a ratings file)");
    expect(errorOf(() => readRatingsFile(FIXTURES, { displayName: "fixtures" })).message).toBe("fixtures: is a folder, expected a ratings file");
  });

  const hasUdata = fs.existsSync(path.join(ML100K_DIR, "u.data"));
  if (!hasUdata) console.warn(`MovieLens 100K not found at ${ML100K_DIR}: u.data parse-speed test skipped`);
  // Its speed is measured by `npm run bench`, not here (timed unit tests fail on a busy machine).
  it.skipIf(!hasUdata)("parses the real ML-100K u.data (100,000 rows)", () => {
    expect(readRatingsFile(path.join(ML100K_DIR, "u.data")).ratings.length).toBe(100_000);
  });
});

describe("rules shared with the streaming reader (src/data/delimited.ts)", () => {
  it("refuses a carriage return inside a line, at its field", () => {
    expect(parseError("user,item,rating\na,b\r,3\n", "x.csv", { format: "csv" }).message).toBe(
      "x.csv:2:2: contains a carriage return inside the line",
    );
    expect(parseError("1\t2\t3\r\t4\n", "u.data").message).toBe("u.data:1:3: contains a carriage return inside the line");
  });

  it("trims spaces and tabs around CSV fields, keeps u.data fields exact", () => {
    const r = parseRatings("user;item;rating\n\tann ; x\t;4\n", "x.csv", { format: "csv" });
    expect([r.users, r.items]).toEqual([["ann"], ["x"]]);
    expect(parseError(" 1\t2\t3 \t4\n", "u.data").message).toBe('u.data:1:3: rating "3 " is not a number');
  });
});
