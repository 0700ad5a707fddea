/**
 * A sortable, filterable table (click a header to sort, type in the box under it to filter; see ./filter.ts for
 * the filter syntax). Its state — sort, filters, picked rows — lives in a {@link TableState} kept by the page
 * across live updates, so a table refreshed while a sweep writes keeps what the reader set.
 */
import type { Table } from "../src/ui/protocol";
import { h, type Child } from "./dom";
import { cellText, viewRows } from "./filter";

export interface TableState {
  sort: { column: string; direction: 1 | -1 } | null;
  filters: Map<string, string>;
  picked: Set<string>;
}

export function tableState(): TableState {
  return { sort: null, filters: new Map(), picked: new Set() };
}

export interface TableOptions {
  /** Name of the table (data-table attribute, for tests and styles). */
  name: string;
  /** A link for a row's first cell (or null for none). */
  link?: (rowId: string, index: number) => string | null;
  /** Show a checkbox per row; called when the picked set changes. */
  onPick?: (picked: ReadonlySet<string>) => void;
  /** Extra content of a cell (e.g. a progress bar), by row and column key; null to show the cell's text. */
  decorate?: (rowId: string, key: string, index: number) => Child | null;
}

/** The table element (re-renders its own body on sort and filter). */
export function dataTable(table: Table, state: TableState, options: TableOptions): HTMLElement {
  const types = table.columns.map((c) => c.type);
  const count = h("span", { class: "count" });
  const tbody = h("tbody");
  const headRow = h("tr");
  const filterRow = h("tr", { class: "filters" });
  if (options.onPick) {
    headRow.appendChild(h("th", { class: "pick" }, "pick"));
    filterRow.appendChild(h("th"));
  }
  const sortButtons: HTMLButtonElement[] = [];
  for (const col of table.columns) {
    const button = h(
      "button",
      {
        class: `sort ${col.group}`,
        type: "button",
        title: `sort by ${col.label}`,
        data: { column: col.key },
        on: {
          click: () => {
            const same = state.sort?.column === col.key;
            state.sort = { column: col.key, direction: same && state.sort?.direction === 1 ? -1 : 1 };
            renderHead();
            renderBody();
          },
        },
      },
      col.label,
    );
    sortButtons.push(button);
    headRow.appendChild(h("th", { class: col.type }, button));
    const input = h("input", {
      type: "search",
      placeholder: col.type === "number" ? "> < = a..b" : "filter",
      title:
        col.type === "number"
          ? "number: 0.9, >0.9, >=, <, <=, != or a range 1..10"
          : "text: a substring (case-insensitive), !text to exclude, =text for exactly",
      value: state.filters.get(col.key) ?? "",
      data: { filter: col.key },
      on: {
        input: () => {
          state.filters.set(col.key, input.value);
          renderBody();
        },
      },
    });
    filterRow.appendChild(h("th", {}, input));
  }
  function renderHead() {
    sortButtons.forEach((b, c) => {
      const key = table.columns[c].key;
      const dir = state.sort?.column === key ? state.sort.direction : 0;
      b.textContent = `${table.columns[c].label}${dir === 1 ? " ▲" : dir === -1 ? " ▼" : ""}`;
      b.parentElement?.setAttribute("aria-sort", dir === 1 ? "ascending" : dir === -1 ? "descending" : "none");
    });
  }
  function renderBody() {
    const filters = new Map<number, string>();
    table.columns.forEach((col, c) => {
      const f = state.filters.get(col.key);
      if (f) filters.set(c, f);
    });
    const sortColumn = state.sort ? table.columns.findIndex((c) => c.key === state.sort?.column) : -1;
    const order = viewRows(
      table.rows,
      types,
      filters,
      sortColumn >= 0 && state.sort ? { column: sortColumn, direction: state.sort.direction } : null,
    );
    const frag = document.createDocumentFragment();
    for (const i of order) {
      const row = table.rows[i];
      const tr = h("tr", { class: row.failed ? "failed" : "", data: { id: row.id } });
      if (options.onPick) {
        const box = h("input", {
          type: "checkbox",
          checked: state.picked.has(row.id),
          title: "pick this row to compare",
          on: {
            change: () => {
              if (box.checked) state.picked.add(row.id);
              else state.picked.delete(row.id);
              options.onPick?.(state.picked);
            },
          },
        });
        tr.appendChild(h("td", { class: "pick" }, box));
      }
      row.cells.forEach((v, c) => {
        const col = table.columns[c];
        const extra = options.decorate?.(row.id, col.key, i) ?? null;
        const text = cellText(v);
        const link = c === 0 ? (options.link?.(row.id, i) ?? null) : null;
        tr.appendChild(
          h("td", { class: col.type, data: { column: col.key } }, extra !== null ? extra : link !== null ? h("a", { href: link }, text) : text),
        );
      });
      frag.appendChild(tr);
    }
    tbody.replaceChildren(frag);
    count.textContent = order.length === table.rows.length ? `${table.rows.length} rows` : `${order.length} of ${table.rows.length} rows shown`;
  }
  renderHead();
  renderBody();
  return h(
    "div",
    { class: "table-block" },
    h("p", { class: "caption" }, `${table.caption} · `, count),
    h("div", { class: "table-wrap" }, h("table", { class: "data", data: { table: options.name } }, h("thead", {}, headRow, filterRow), tbody)),
  );
}
