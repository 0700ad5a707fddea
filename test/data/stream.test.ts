import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseRatings } from "../../src/data/parse";
import {
  RatingsCsvParser,
  readRatingsFileSync,
  streamRatingsFile,
  streamedToMatrix,
  type StreamProgress,
  type StreamedRatings,
} from "../../src/data/stream";
import { generateSynthetic, generateSyntheticMatrix, syntheticScale } from "../../src/data/synthetic";
import { Rng } from "../../src/core/random";
import { parseErrorOf } from "../helpers/errors";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mflab-stream-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string | Uint8Array): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

/** Independent oracle: split the whole text (fine for small files). Ids are the exact strings. */
function naive(text: string): { users: string[]; items: string[]; ratings: number[]; stamps: number[] } {
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const body = /^\d/.test(lines[0]) ? lines : lines.slice(1);
  const out = { users: [] as string[], items: [] as string[], ratings: [] as number[], stamps: [] as number[] };
  for (const l of body) {
    const f = l.split(",");
    out.users.push(f[0]);
    out.items.push(f[1]);
    out.ratings.push(Number(f[2]));
    out.stamps.push(Number(f[3]));
  }
  return out;
}

function randomCsv(seed: number, n: number, crlf = false): string {
  const rng = new Rng(seed);
  const eol = crlf ? "\r\n" : "\n";
  let s = `userId,movieId,rating,timestamp${eol}`;
  for (let k = 0; k < n; k++) {
    const u = 1 + Math.floor(k / 7) + rng.int(3) * 100000;
    const i = 1 + rng.int(5000) * 41;
    const r = (1 + rng.int(10)) / 2;
    const rating = rng.next() < 0.3 ? r.toFixed(1) : String(r);
    s += `${u},${i},${rating},${1_000_000_000 + rng.int(500_000_000)}${eol}`;
  }
  return s;
}

function raw(s: StreamedRatings): { users: string[]; items: string[]; ratings: number[]; stamps: number[] } {
  return {
    users: Array.from(s.users, (u) => s.userIds[u]),
    items: Array.from(s.items, (i) => s.itemIds[i]),
    ratings: Array.from(s.ratings),
    stamps: Array.from(s.timestamps ?? []),
  };
}

describe("streaming ratings.csv loader", () => {
  it("reads the MovieLens-25M format into typed arrays with dense ids (hand-checked example)", () => {
    const file = write("small.csv", "userId,movieId,rating,timestamp\n1,296,5.0,1147880044\n1,306,3.5,1147868817\n7,296,4,1147868828\n3,1,0.5,1\n");
    const s = readRatingsFileSync(file, { timestamps: true });
    expect(s.nRatings).toBe(4);
    expect(Array.from(s.users)).toEqual([0, 0, 1, 2]);
    expect(Array.from(s.items)).toEqual([0, 1, 0, 2]);
    expect(s.userIds).toEqual(["1", "7", "3"]);
    expect(s.itemIds).toEqual(["296", "306", "1"]);
    expect(Array.from(s.ratings)).toEqual([5, 3.5, 4, 0.5]);
    expect(s.ratings).toBeInstanceOf(Float64Array);
    expect(Array.from(s.timestamps!)).toEqual([1147880044, 1147868817, 1147868828, 1]);
    expect(s.lines).toBe(5);
    expect(s.bytes).toBe(fs.statSync(file).size);
    const m = streamedToMatrix(s);
    expect([m.nUsers, m.nItems, m.nnz]).toEqual([3, 3, 4]);
    expect(m.mean()).toBeCloseTo(13 / 4, 15);
  });

  it("gives the same arrays for every chunk size (state carried across chunk boundaries), sync and async", async () => {
    const text = randomCsv(1, 3000, true);
    const file = write("random.csv", text);
    const oracle = naive(text);
    for (const chunkBytes of [1, 2, 3, 7, 64, 1000, 1 << 20]) {
      const s = readRatingsFileSync(file, { chunkBytes, timestamps: true });
      expect(raw(s), `chunkBytes ${chunkBytes}`).toEqual(oracle);
    }
    const a = await streamRatingsFile(file, { chunkBytes: 333, timestamps: true });
    expect(raw(a)).toEqual(oracle);
    expect(a.nUsers).toBe(new Set(oracle.users).size);
    expect(a.nItems).toBe(new Set(oracle.items).size);
  });

  it("parses decimals exactly like Number (mantissa / power of ten), and odd forms through Number", () => {
    const values = ["0.1", "3.14159265358979", "4.0", "2.5e0", "-1.25", "+2", "1234567890.123456", "0.000001", "7"];
    const text = `userId,movieId,rating\n${values.map((v, k) => `1,${k},${v}`).join("\n")}`;
    const s = readRatingsFileSync(write("decimals.csv", text));
    expect(Array.from(s.ratings)).toEqual(values.map(Number));
    expect(s.timestamps).toBeUndefined();
  });

  it("handles a BOM, a missing final newline, empty lines, CRLF, no header, and float32 storage", () => {
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("userId,movieId,rating,timestamp\r\n1,2,3,4\r\n\r\n\n5,6,2.5,7")]);
    const s = readRatingsFileSync(write("bom.csv", bom));
    expect(raw(s).users).toEqual(["1", "5"]);
    expect(raw(s).ratings).toEqual([3, 2.5]);
    const noHeader = readRatingsFileSync(write("noheader.csv", "1,2,3,4\n5,6,2.5,7\n"));
    expect(raw(noHeader).items).toEqual(["2", "6"]);
    const f32 = readRatingsFileSync(write("f32.csv", "1,2,3.5,4\n"), { valueType: "float32" });
    expect(f32.ratings).toBeInstanceOf(Float32Array);
    expect(streamedToMatrix(f32).values).toEqual(Float64Array.of(3.5));
  });

  it("reports progress with bytes read / total after each chunk", () => {
    const text = randomCsv(2, 500);
    const file = write("progress.csv", text);
    const seen: StreamProgress[] = [];
    readRatingsFileSync(file, { chunkBytes: 1000, onProgress: (p) => seen.push({ ...p }) });
    const total = Buffer.byteLength(text);
    expect(seen.length).toBe(Math.ceil(total / 1000));
    expect(seen.every((p) => p.totalBytes === total)).toBe(true);
    expect(seen.map((p) => p.bytesRead)).toEqual(seen.map((_, k) => Math.min(total, (k + 1) * 1000)));
    expect(seen[seen.length - 1].ratings).toBeGreaterThan(490); // the last line is counted at end()
    for (let k = 1; k < seen.length; k++) expect(seen[k].ratings).toBeGreaterThanOrEqual(seen[k - 1].ratings);
  });

  it("throws ParseError(file, line, column, reason) at the first bad row", () => {
    const cases: Array<[string, number, number | undefined, RegExp]> = [
      ["userId,movieId,rating,timestamp\n1,2,abc,4\n", 2, 5, /rating must be a number, got "abc"/],
      ["userId,movieId,rating,timestamp\n1,2,3\n", 2, 6, /has 3 fields, expected 4 \(userId,movieId,rating,timestamp\)/],
      ["userId,movieId,rating,timestamp\n1,2,3,4,5\n", 2, 8, /has more than 4 fields/],
      ["userId,movieId,rating,timestamp\n1,,3,4\n", 2, 3, /movieId is empty/],
      ["userId,movieId,rating,timestamp\n1,2,3,4.5\n", 2, 7, /timestamp must be a non-negative integer.*"4\.5"/],
      ["userId,movieId,rating,timestamp\n1,2,3,4\r5\n", 2, 8, /carriage return inside the line/],
      ["user,item,rating\n1,2,3\n", 1, 1, /expected the header userId,movieId,rating,timestamp \(timestamp optional\), got "user,item,rating"/],
      ["userId,movieId,rating,timestamp\n", 1, undefined, /contains no ratings/],
      ["userId,movieId,rating,timestamp\n1,2,1e999,4\n", 2, 5, /rating must be a number, got "1e999"/],
    ];
    for (const [text, line, column, reason] of cases) {
      const file = write("bad.csv", text);
      for (const chunkBytes of [2, 4096]) {
        const e = parseErrorOf(() => readRatingsFileSync(file, { chunkBytes }));
        expect(e.file, text).toBe(file);
        expect([e.line, e.column], text).toEqual([line, column]);
        expect(e.reason, text).toMatch(reason);
        expect(e.message).toContain(`${file}:${line}${column === undefined ? "" : `:${column}`}: `);
      }
    }
  });

  it("keeps ids as exact strings, like parseRatings: 01 vs 1, 1.5, 20 digits, -1, words, quoted, spaces trimmed", () => {
    const text =
      "userId,movieId,rating,timestamp\n" +
      "01,1,4,1\n1,01,3,2\n1.5,99999999999999999999,2,3\n-1,x,1,4\n1234567890123456,alice,5,5\n" +
      '"1",1,4.5,6\n "bob" , 1 ,2,7\n"a,""b""",1,3,8\n';
    const file = write("ids.csv", text);
    const parsed = parseRatings(text, "ids.csv", { format: "ratings-csv" });
    expect(parsed.users).toEqual(["01", "1", "1.5", "-1", "1234567890123456", "1", "bob", 'a,"b"']);
    for (const chunkBytes of [1, 5, 4096]) {
      const s = readRatingsFileSync(file, { chunkBytes, timestamps: true });
      expect(raw(s).users, `chunkBytes ${chunkBytes}`).toEqual(parsed.users);
      expect(raw(s).items).toEqual(parsed.items);
      expect(raw(s).ratings).toEqual(Array.from(parsed.ratings));
      expect(raw(s).stamps).toEqual(Array.from(parsed.timestamps!));
    }
    const s = readRatingsFileSync(file);
    expect(s.userIds).toEqual(["01", "1", "1.5", "-1", "1234567890123456", "bob", 'a,"b"']);
    expect(s.nItems).toBe(5); // 1, 01, 99999999999999999999, x, alice
  });

  it("reads what parseRatings reads, the same way (random ratings.csv files, both readers)", () => {
    const rng = new Rng(5);
    const ids = ["1", "01", "001", "2", "10", "1.5", "1e3", "99999999999999999999", "123456789012345", "1234567890123456", "u1", "ü", '"q"', " 7 "];
    for (let t = 0; t < 30; t++) {
      let text = rng.next() < 0.5 ? "userId,movieId,rating,timestamp\n" : "";
      const seen = new Set<string>();
      for (let k = 0; k < 40; k++) {
        const u = ids[rng.int(ids.length)];
        const i = ids[rng.int(ids.length)];
        const key = `${u.replace(/"/g, "").trim()},${i.replace(/"/g, "").trim()}`;
        if (seen.has(key)) continue;
        seen.add(key);
        text += `${u},${i},${(1 + rng.int(10)) / 2},${rng.int(1e9)}${rng.next() < 0.3 ? "\r\n" : "\n"}`;
      }
      const file = write(`same${t}.csv`, text);
      const parsed = parseRatings(text, file, { format: "csv", columns: {} });
      const s = readRatingsFileSync(file, { timestamps: true, chunkBytes: 1 + rng.int(64) });
      expect(raw(s).users).toEqual(parsed.users);
      expect(raw(s).items).toEqual(parsed.items);
      expect(raw(s).ratings).toEqual(Array.from(parsed.ratings));
      expect(raw(s).stamps).toEqual(Array.from(parsed.timestamps!));
    }
  });

  it("rejects (async) with the same ParseError and names the file", async () => {
    const file = write("bad-async.csv", "userId,movieId,rating,timestamp\n1,2,3,4\n1,2,?,4\n");
    await expect(streamRatingsFile(file, { name: "ratings.csv" })).rejects.toThrow(/^ratings\.csv:3:5: rating must be a number, got "\?"$/);
  });

  it("uses memory bounded by the chunk: growing arrays, no strings per row", () => {
    // The parser's only per-line storage is a fixed 4 KiB line buffer: a line longer than that is refused.
    const e = parseErrorOf(() => {
      const p = new RatingsCsvParser("long.csv", { header: false });
      p.push(new TextEncoder().encode(`1,2,${"5".repeat(5000)}\n`));
    });
    expect(e.reason).toMatch(/longer than 4096 bytes/);
    // Arrays grow past the initial estimate and are trimmed to size.
    const p = new RatingsCsvParser("grow.csv", { header: false, expectedBytes: 0 });
    const line = new TextEncoder().encode("1,2,3\n");
    for (let k = 0; k < 5000; k++) p.push(line);
    const s = p.end();
    expect(s.nRatings).toBe(5000);
    expect(s.users.length).toBe(5000);
    expect(s.ratings.length).toBe(5000);
  });
});

describe("large-data path: synthetic scale presets (typed-array output)", () => {
  it("scales MovieLens-25M's users and items with the number of ratings", () => {
    expect(syntheticScale("25M")).toEqual({ nUsers: 162_540, nItems: 59_047, nRatings: 25_000_000 });
    expect(syntheticScale("5M")).toEqual({ nUsers: 32_508, nItems: 11_809, nRatings: 5_000_000 });
    expect(syntheticScale("1M")).toEqual({ nUsers: 6_502, nItems: 2_362, nRatings: 1_000_000 });
    expect(syntheticScale(250_000)).toEqual({ nUsers: 1_625, nItems: 590, nRatings: 250_000 });
    expect(() => syntheticScale("2M" as never)).toThrow(/scale must be "1M", "5M", "25M" or a positive integer number of ratings, got "2M"/);
    expect(() => generateSyntheticMatrix({ scale: 0 })).toThrow(RangeError);
  });

  it("generateSyntheticMatrix draws exactly the ratings of generateSynthetic (ids u<k+1> / i<k+1>)", () => {
    const o = { nUsers: 120, nItems: 90, nRatings: 4000, seed: 11 };
    const a = generateSynthetic(o);
    const b = generateSyntheticMatrix(o);
    expect(Array.from(b.matrix.values)).toEqual(Array.from(a.ratings));
    expect(Array.from(b.matrix.users, (u) => `u${u + 1}`)).toEqual(a.users);
    expect(Array.from(b.matrix.items, (i) => `i${i + 1}`)).toEqual(a.items);
    expect(b.options).toEqual(a.options);
  });

  it("1M preset: exact size, ≥ 20 ratings per user, no duplicate pairs, ML-like mean, in typed arrays", () => {
    const t = performance.now();
    const { matrix: m } = generateSyntheticMatrix({ scale: "1M" });
    const seconds = (performance.now() - t) / 1000;
    expect([m.nUsers, m.nItems, m.nnz]).toEqual([6_502, 2_362, 1_000_000]);
    expect(m.users).toBeInstanceOf(Int32Array);
    expect(m.values).toBeInstanceOf(Float64Array);
    const perUser = new Int32Array(m.nUsers);
    const seen = new Set<number>();
    for (let e = 0; e < m.nnz; e++) {
      perUser[m.users[e]]++;
      seen.add(m.users[e] * m.nItems + m.items[e]);
    }
    expect(seen.size).toBe(m.nnz);
    expect(Math.min(...perUser)).toBeGreaterThanOrEqual(20);
    expect(m.mean()).toBeGreaterThan(3.3);
    expect(m.mean()).toBeLessThan(3.75);
    expect(seconds).toBeLessThan(5); // ≈ 0.2 s here; 25M takes ≈ 5–10 s (scripts/bench-scale.js)
  });
});
