/**
 * Words for messages: a short description of a JSON value (`"abc"`, `an array`, `null`) and the "did you mean"
 * suggestion for a mistyped key or name (the candidate within a small edit distance).
 */

/** A short description of a JSON value for messages: `"abc"` (quoted, cut at 40 characters), `an array`, `null`, `3`. */
export function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === "object") return "an object";
  return String(v);
}

/**
 * The candidate closest to `word` by edit distance (case-insensitive), when it is close enough to be a likely
 * typo: at most max(2, ⌊|word| / 3⌋) edits.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/** ` (did you mean "x"?)` when a candidate is close to `word`, else the empty string. */
export function didYouMean(word: unknown, candidates: readonly string[]): string {
  const hint = typeof word === "string" ? closest(word, candidates) : undefined;
  return hint ? ` (did you mean "${hint}"?)` : "";
}

/** Levenshtein distance (insertions, deletions, substitutions). */
function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}
