import { describe, expect, it } from "vitest";
import { implicitFromRatings } from "../../src/data/implicit";
import { matrix } from "../helpers/matrices";

describe("implicitFromRatings", () => {
  const E = matrix(2, 4, [
    [0, 0, 5],
    [0, 1, 3],
    [1, 2, 4],
    [1, 3, 1],
  ]);
  it("keeps ratings ≥ threshold with their value or 1", () => {
    const a = implicitFromRatings(E);
    expect([Array.from(a.users), Array.from(a.items), Array.from(a.values)]).toEqual([
      [0, 1],
      [0, 2],
      [5, 4],
    ]);
    const b = implicitFromRatings(E, { threshold: 3, value: "one" });
    expect([Array.from(b.items), Array.from(b.values)]).toEqual([
      [0, 1, 2],
      [1, 1, 1],
    ]);
    expect(b.nUsers).toBe(2);
    expect(b.nItems).toBe(4);
  });
});
