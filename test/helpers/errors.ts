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

/** The ParseError that `parseRatings(text, file, options)` throws (fails the test on any other outcome). */
export function parseError(text: string, file: string, options?: ParseOptions): ParseError {
  const e = errorOf(() => parseRatings(text, file, options));
  expect(e).toBeInstanceOf(ParseError);
  return e as ParseError;
}
