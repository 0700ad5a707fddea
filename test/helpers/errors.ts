/** Assertion helpers for thrown errors, shared by the data and experiment tests. */
import { expect } from "vitest";
import { ParseError } from "../../src/core/errors";
import { parseRatings, type ParseOptions } from "../../src/data/parse";

/** The thrown error (fails the test when nothing is thrown). */
export function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected an error, nothing was thrown");
}

/** The ParseError that `fn` throws (fails the test on any other outcome). */
export function parseErrorOf(fn: () => unknown): ParseError {
  const e = errorOf(fn);
  expect(e).toBeInstanceOf(ParseError);
  return e as ParseError;
}

/** The ParseError that `parseRatings(text, file, options)` throws (fails the test on any other outcome). */
export function parseError(text: string, file: string, options?: ParseOptions): ParseError {
  return parseErrorOf(() => parseRatings(text, file, options));
}
