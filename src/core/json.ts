/** JSON parsing with error locations a person can act on (`file:line:column: not valid JSON (…)`). */
import { InputError } from "./errors";

/**
 * Parse `text` as JSON; on failure throw an InputError located at the 1-based line and column of the first
 * character that cannot be part of valid JSON (the end of the text for truncated input). `what` completes the
 * message ("a results file is …").
 */
export function parseJsonText(text: string, file: string, what?: string): unknown {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a byte-order mark is harmless: drop it
  try {
    return JSON.parse(text);
  } catch (_e) {
    const offset = Math.max(0, locateJsonError(text));
    const before = text.slice(0, offset);
    const where = `${file}:${before.split("\n").length}:${offset - before.lastIndexOf("\n")}`;
    const found = offset >= text.length ? "the text ends too early" : `unexpected ${JSON.stringify(text.slice(offset, offset + 12))}`;
    const reason = text.trim().length === 0 ? "the file is empty" : `not valid JSON (${found})`;
    throw new InputError(what ? `${reason}; ${what}` : reason, where);
  }
}

/**
 * Offset of the first character where `text` stops being valid JSON (RFC 8259), `text.length` when it ends too
 * early, or -1 when it is valid. A small recursive-descent scanner: V8's own messages do not always carry a position.
 */
export function locateJsonError(text: string): number {
  let p = 0;
  const ws = () => {
    while (p < text.length && (text[p] === " " || text[p] === "\t" || text[p] === "\n" || text[p] === "\r")) p++;
  };
  class Stop extends Error {}
  const stop = (): never => {
    throw new Stop();
  };
  const literal = (word: string) => {
    for (const ch of word) {
      if (text[p] !== ch) stop();
      p++;
    }
  };
  const string = () => {
    if (text[p] !== '"') stop();
    p++;
    for (;;) {
      if (p >= text.length) stop();
      const c = text.charCodeAt(p);
      if (c === 0x22) {
        p++;
        return;
      }
      if (c < 0x20) stop();
      if (c === 0x5c) {
        p++;
        const esc = text[p];
        if (esc === "u") {
          for (let k = 1; k <= 4; k++)
            if (!/[0-9a-fA-F]/.test(text[p + k] ?? "")) {
              p += k;
              stop();
            }
          p += 5;
        } else if (esc !== undefined && '"\\/bfnrt'.includes(esc)) p++;
        else stop();
      } else p++;
    }
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(p, p + 400));
    if (!m || m[0].length === 0) stop();
    p += m![0].length;
  };
  const value = (depth: number): void => {
    if (depth > 10000) stop();
    ws();
    const c = text[p];
    if (c === "{") {
      p++;
      ws();
      if (text[p] === "}") {
        p++;
        return;
      }
      for (;;) {
        ws();
        string();
        ws();
        if (text[p] !== ":") stop();
        p++;
        value(depth + 1);
        ws();
        if (text[p] === ",") {
          p++;
          continue;
        }
        if (text[p] === "}") {
          p++;
          return;
        }
        stop();
      }
    } else if (c === "[") {
      p++;
      ws();
      if (text[p] === "]") {
        p++;
        return;
      }
      for (;;) {
        value(depth + 1);
        ws();
        if (text[p] === ",") {
          p++;
          continue;
        }
        if (text[p] === "]") {
          p++;
          return;
        }
        stop();
      }
    } else if (c === '"') string();
    else if (c === "t") literal("true");
    else if (c === "f") literal("false");
    else if (c === "n") literal("null");
    else number();
  };
  try {
    if (text.charCodeAt(0) === 0xfeff) p = 1;
    value(0);
    ws();
    return p < text.length ? p : -1;
  } catch (e) {
    if (e instanceof Stop) return Math.min(p, text.length);
    throw e;
  }
}

/** JSON with object keys sorted at every level: equal values → equal strings. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const obj = value as Record<string, unknown>;
  return `{${Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`)
    .join(",")}}`;
}
