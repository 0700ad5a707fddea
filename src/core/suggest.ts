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
 * The candidate closest to `word` (case-insensitive edit distance, a swap of two adjacent letters counting as one
 * edit), when it is close enough to be a likely typo: at most max(2, ⌊|word| / 3⌋) edits. Ties go to the candidate
 * sharing the longer start with `word`, then to the earlier one.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  let bestPrefix = -1;
  for (const c of candidates) {
    const lc = c.toLowerCase();
    const d = editDistance(w, lc);
    const prefix = commonPrefix(w, lc);
    if (d < bestDistance || (d === bestDistance && prefix > bestPrefix)) {
      bestDistance = d;
      bestPrefix = prefix;
      best = c;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function commonPrefix(a: string, b: string): number {
  let k = 0;
  while (k < a.length && k < b.length && a[k] === b[k]) k++;
  return k;
}

/** ` (did you mean "x"?)` when a candidate is close to `word`, else the empty string. */
export function didYouMean(word: unknown, candidates: readonly string[]): string {
  const hint = typeof word === "string" ? closest(word, candidates) : undefined;
  return hint ? ` (did you mean "${hint}"?)` : "";
}

/** Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of adjacent letters. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => {
    const row = new Array<number>(b.length + 1).fill(0);
    row[0] = i;
    return row;
  });
  for (let j = 0; j <= b.length; j++) rows[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      let d = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2][j - 2] + 1);
      rows[i][j] = d;
    }
  }
  return rows[a.length][b.length];
}
