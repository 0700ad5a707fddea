/**
 * Typed errors. Everything mflab throws on bad input is an {@link InputError} (or a subclass) whose message
 * names where the problem is (file:line:column, or the JSON path of a spec key) and what was expected.
 */
export class InputError extends Error {
  override readonly name: string = "InputError";
  constructor(
    message: string,
    /** Where: a file path, optionally with `:line[:column]`, or a JSON path such as `grid.lambda[2]`. */
    readonly where?: string,
  ) {
    super(where ? `${where}: ${message}` : message);
  }
}

/** A malformed line in a ratings file. `line` and `column` are 1-based. */
export class ParseError extends InputError {
  override readonly name = "ParseError";
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number | undefined,
    readonly reason: string,
  ) {
    super(reason, column === undefined ? `${file}:${line}` : `${file}:${line}:${column}`);
  }
}

/** An experiment spec (or model config) that does not validate; `path` is the JSON path of the offending key. */
export class SpecError extends InputError {
  override readonly name = "SpecError";
  constructor(
    readonly path: string,
    readonly reason: string,
    readonly file?: string,
  ) {
    super(`${path ? `${path} ` : ""}${reason}`, file);
  }
}

/** Throw a {@link SpecError} for a config field. */
export function configError(model: string, key: string, reason: string): never {
  throw new SpecError(key, reason, `${model} config`);
}
