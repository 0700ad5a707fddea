/** JSON parsing with error locations a person can act on (`file:line:column: not valid JSON (…)`). */
import { InputError } from "./errors";

/**
 * Parse `text` as JSON; on failure throw an InputError located at the 1-based line and column where the parser
 * stopped (the end of the text for truncated input). `what` completes the message ("a results file is …").
 */
export function parseJsonText(text: string, file: string, what?: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg);
    const offset = pos ? Number(pos[1]) : /end of JSON input|Unterminated/.test(msg) ? text.length : -1;
    let where = file;
    if (offset >= 0) {
      const before = text.slice(0, offset);
      where = `${file}:${before.split("\n").length}:${offset - before.lastIndexOf("\n")}`;
    }
    const reason = text.trim().length === 0 ? "the file is empty" : `not valid JSON (${msg})`;
    throw new InputError(what ? `${reason}; ${what}` : reason, where);
  }
}
