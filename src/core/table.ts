/**
 * Tables as text: one description of the columns (header + alignment) and rows of already formatted cells,
 * rendered two ways. Every table mflab prints or writes goes through here (CLI summaries, the models listing,
 * race and report tables, the bench scripts), so they share one layout.
 *
 * {@link textTable} — aligned plain text for a terminal:
 *
 *   d  lambda  test MSE
 *   -  ------  --------
 *   1  0.1000    0.8557
 *
 * a header line, a rule of dashes as wide as each column, then the rows; columns two spaces apart, each as wide
 * as its widest cell or header; left-aligned cells padded on the right, right-aligned ones on the left; no
 * trailing spaces. A {@link NoteRow} fills its leading columns and then carries free text (such as
 * `FAILED: <error>`) that runs on past the columns without widening them.
 *
 * {@link markdownTable} — GitHub-flavoured Markdown: `| a | b |`, then `| --- | ---: |` (right-aligned columns
 * get `---:`), then one `| … |` line per row. Cells are written as given: the caller escapes Markdown.
 */

export type Align = "left" | "right";

export interface TableColumn {
  header: string;
  /** Default "left". */
  align?: Align;
}

/** Leading cells (fewer than the columns) followed by free text that does not count toward column widths. */
export interface NoteRow {
  cells: readonly string[];
  note: string;
}

export type TextTableRow = readonly string[] | NoteRow;

export interface TextTableOptions {
  /** Print the header line and the rule under it (default true). */
  header?: boolean;
}

function isNoteRow(row: TextTableRow): row is NoteRow {
  return !Array.isArray(row);
}

function pad(cell: string, width: number, align: Align | undefined): string {
  return align === "right" ? cell.padStart(width) : cell.padEnd(width);
}

/** The rows as aligned plain text (module doc); lines joined with "\n", no final newline. */
export function textTable(columns: readonly TableColumn[], rows: readonly TextTableRow[], options: TextTableOptions = {}): string {
  const withHeader = options.header ?? true;
  const widths = columns.map((c) => (withHeader ? c.header.length : 0));
  for (const row of rows) {
    const cells = isNoteRow(row) ? row.cells : row;
    cells.forEach((cell, k) => {
      if (cell.length > widths[k]) widths[k] = cell.length;
    });
  }
  const line = (cells: readonly string[]) => cells.map((cell, k) => pad(cell, widths[k], columns[k].align));
  const lines: string[] = [];
  if (withHeader) {
    lines.push(
      line(columns.map((c) => c.header))
        .join("  ")
        .trimEnd(),
    );
    lines.push(widths.map((w) => "-".repeat(w)).join("  "));
  }
  for (const row of rows) {
    lines.push((isNoteRow(row) ? [...line(row.cells), row.note] : line(row)).join("  ").trimEnd());
  }
  return lines.join("\n");
}

/** The rows as a GitHub-flavoured Markdown table (module doc); no final newline. */
export function markdownTable(columns: readonly TableColumn[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return [
    line(columns.map((c) => c.header)),
    `|${columns.map((c) => (c.align === "right" ? " ---: " : " --- ")).join("|")}|`,
    ...rows.map(line),
  ].join("\n");
}
