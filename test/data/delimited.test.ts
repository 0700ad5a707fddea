import { describe, expect, it } from "vitest";
import { Rng } from "../../src/core/random";
import { DelimitedReader, decimalAt, type DelimitedReaderOptions } from "../../src/data/delimited";
import { parseErrorOf } from "../helpers/errors";

const CSV: DelimitedReaderOptions = { file: "x.csv", delimiter: ",", quoted: true, columns: "field" };

/** Every non-blank line as [line number, fields], the text pushed in chunks of `chunk` bytes. */
function read(text: string | Uint8Array, options: Partial<DelimitedReaderOptions> = {}, chunk = 1 << 20): [number, string[]][] {
  const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
  const out: [number, string[]][] = [];
  const r = new DelimitedReader({ ...CSV, ...options }, (reader) => {
    const n = reader.split();
    out.push([reader.lineNumber, Array.from({ length: n }, (_, k) => reader.text(k))]);
  });
  for (let p = 0; p < bytes.length; p += chunk) r.push(bytes.subarray(p, Math.min(bytes.length, p + chunk)));
  r.end();
  return out;
}

describe("DelimitedReader", () => {
  it("splits lines (BOM, CRLF, blank lines, last line without a line end) the same for every chunk size", () => {
    const text = '\uFEFFa,b,c\r\n\r\n  \t \n"x, y",  z  ,"say ""hi"""\n1,,3';
    const expected: [number, string[]][] = [
      [1, ["a", "b", "c"]],
      [4, ["x, y", "z", 'say "hi"']],
      [5, ["1", "", "3"]],
    ];
    for (const chunk of [1, 2, 3, 5, 1 << 20]) expect(read(text, {}, chunk), `chunk ${chunk}`).toEqual(expected);
  });

  it("keeps exact fields without quoting (u.data, ratings.dat) and splits on a multi-byte delimiter like String.split", () => {
    expect(read(' 1\t"2"\t3 \t4\n', { delimiter: "\t", quoted: false })).toEqual([[1, [" 1", '"2"', "3 ", "4"]]]);
    expect(read("a:::b::c\n", { delimiter: "::", quoted: false })).toEqual([[1, "a:::b::c".split("::")]]);
  });

  it("trims spaces and tabs but not the delimiter itself", () => {
    expect(read("a\t b \tc\n", { delimiter: "\t" })).toEqual([[1, ["a", "b", "c"]]]);
    expect(read("a  b\n", { delimiter: " " })).toEqual([[1, ["a", "", "b"]]]);
  });

  it("reports errors at the field number or the byte, by convention", () => {
    const cases: [string, string, string][] = [
      ['a,"oops\n', 'x.csv:1:2: unterminated quoted field (no closing ")', 'x.csv:1:3: unterminated quoted field (no closing ")'],
      [
        'a,"b"c\n',
        'x.csv:1:2: unexpected "c" after a closing quote (expected ",")',
        'x.csv:1:6: unexpected "c" after a closing quote (expected ",")',
      ],
      ["a,b\rc,d\n", "x.csv:1:2: contains a carriage return inside the line", "x.csv:1:4: contains a carriage return inside the line"],
      [
        "ok\na,\u0000\n",
        "x.csv:2: contains a NUL byte: this looks like a binary or UTF-16 file, expected UTF-8 text",
        "x.csv:2: contains a NUL byte: this looks like a binary or UTF-16 file, expected UTF-8 text",
      ],
    ];
    for (const [text, byField, byByte] of cases) {
      for (const chunk of [1, 1 << 20]) {
        expect(parseErrorOf(() => read(text, {}, chunk)).message).toBe(byField);
        expect(parseErrorOf(() => read(text, { columns: "byte" }, chunk)).message).toBe(byByte);
      }
    }
  });

  it("refuses a line longer than maxLineBytes, whatever the chunks", () => {
    const long = `1,2,${"5".repeat(100)}\n`;
    for (const chunk of [7, 1 << 20])
      expect(parseErrorOf(() => read(long, { maxLineBytes: 64 }, chunk)).message).toBe("x.csv:1: is longer than 64 bytes");
    expect(read("1,2,3\r\n", { maxLineBytes: 5 }, 3)).toEqual([[1, ["1", "2", "3"]]]); // the line end does not count
  });

  it("counts lines and bytes; a partial BOM is text (and, as it is not UTF-8, an error)", () => {
    const r = new DelimitedReader(CSV, () => {});
    r.push(new TextEncoder().encode("a\n\nb"));
    r.end();
    expect([r.linesRead, r.bytesRead]).toEqual([3, 4]);
    expect(parseErrorOf(() => read(Uint8Array.of(0xef, 0xbb, 0x41, 10), {}, 1)).message).toBe(
      "x.csv:1:1: field 1 is not valid UTF-8 (byte 0xEF at byte 1 of the field); ratings files must be UTF-8 text",
    );
  });
});

describe("decimalAt", () => {
  const at = (s: string) => decimalAt(new TextEncoder().encode(s), 0, s.length);

  it("reads decimals exactly as Number does, and nothing else", () => {
    const rng = new Rng(3);
    for (let k = 0; k < 5000; k++) {
      const digits = String(rng.int(1e9)) + String(rng.int(1e9));
      const cut = rng.int(digits.length + 1);
      const s = `${rng.next() < 0.3 ? "-" : ""}${digits.slice(0, cut)}.${digits.slice(cut)}${rng.next() < 0.1 ? `e${rng.int(40) - 20}` : ""}`;
      expect(Object.is(at(s), Number(s)), s).toBe(true);
    }
    for (const s of ["4", "-0", "+.5", "5.", "1e3", "2.E-1", "0.1", "12345678901234567890"]) expect(Object.is(at(s), Number(s)), s).toBe(true);
    for (const bad of ["", "-", ".", "1.2.3", "1e", "0x10", " 1", "1 ", "NaN", "Infinity", "5a"]) expect(at(bad), bad).toBeNaN();
  });
});
