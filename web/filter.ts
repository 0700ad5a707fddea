/**
 * Table cells as text, and the column filters and sort of the ui's tables (pure functions, tested under node).
 *
 * Filter syntax, per column: numbers — `0.9` (equal), `>0.9`, `>=`, `<`, `<=`, `!=`, or a range `1..10`
 * (inclusive); text — a substring (case-insensitive), `!text` for rows without it, `=text` for exactly it.
 * An empty filter keeps every row; a missing cell (–) matches only `–` or a negated filter.
 */
import type { Cell } from "../src/ui/protocol";

/** A cell as shown: numbers with up to 4 decimals (integers as they are), null as "–". */
export function cellText(v: Cell): string {
  if (v === null) return "–";
  if (typeof v === "number") {
    if (Number.isInteger(v)) return String(v);
    const a = Math.abs(v);
    return a !== 0 && (a < 1e-4 || a >= 1e6) ? v.toExponential(3) : String(Number(v.toFixed(4)));
  }
  return String(v);
}

const NUM = String.raw`[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?`;

/** A predicate for one column's filter expression (see the module doc). */
export function cellMatcher(expression: string, type: "number" | "text"): (v: Cell) => boolean {
  const e = expression.trim();
  if (e === "") return () => true;
  if (type === "number") {
    const range = new RegExp(`^(${NUM})\\s*\\.\\.\\s*(${NUM})$`).exec(e);
    if (range) {
      const lo = Number(range[1]);
      const hi = Number(range[2]);
      return (v) => typeof v === "number" && v >= lo && v <= hi;
    }
    const cmp = new RegExp(`^(>=|<=|!=|>|<|=)?\\s*(${NUM})$`).exec(e);
    if (cmp) {
      const x = Number(cmp[2]);
      switch (cmp[1]) {
        case ">":
          return (v) => typeof v === "number" && v > x;
        case ">=":
          return (v) => typeof v === "number" && v >= x;
        case "<":
          return (v) => typeof v === "number" && v < x;
        case "<=":
          return (v) => typeof v === "number" && v <= x;
        case "!=":
          return (v) => !(typeof v === "number" && v === x);
        default:
          return (v) => typeof v === "number" && v === x;
      }
    }
  }
  if (e.startsWith("!")) {
    const needle = e.slice(1).toLowerCase();
    return (v) => !cellText(v).toLowerCase().includes(needle);
  }
  if (e.startsWith("=")) {
    const want = e.slice(1).toLowerCase();
    return (v) => cellText(v).toLowerCase() === want;
  }
  const needle = e.toLowerCase();
  return (v) => cellText(v).toLowerCase().includes(needle);
}

/** Compare two cells for sorting: numbers numerically, text alphabetically (numbers before text), missing cells last in either direction. */
export function compareCells(a: Cell, b: Cell, direction: 1 | -1): number {
  if (a === null || b === null) return a === null ? (b === null ? 0 : 1) : -1;
  if (typeof a === "number" && typeof b === "number") return direction * (a - b);
  if (typeof a === "number") return -1;
  if (typeof b === "number") return 1;
  return direction * String(a).localeCompare(String(b), undefined, { numeric: true });
}

/** Row indices kept by `filters` (column index → expression) and sorted by `sort` (stable). */
export function viewRows(
  rows: readonly { cells: readonly Cell[] }[],
  types: readonly ("number" | "text")[],
  filters: ReadonlyMap<number, string>,
  sort: { column: number; direction: 1 | -1 } | null,
): number[] {
  const tests = [...filters].filter(([, e]) => e.trim() !== "").map(([c, e]) => [c, cellMatcher(e, types[c])] as const);
  const kept: number[] = [];
  rows.forEach((r, i) => {
    if (tests.every(([c, t]) => t(r.cells[c] ?? null))) kept.push(i);
  });
  if (sort) kept.sort((i, j) => compareCells(rows[i].cells[sort.column] ?? null, rows[j].cells[sort.column] ?? null, sort.direction) || i - j);
  return kept;
}
