/**
 * DOM building for the ui page: every string becomes a text node (never HTML), links only to this page's own
 * `#/…` routes, so nothing read from a results file can become markup or code.
 */

export type Child = Node | string | number | null | undefined | false;

export interface Attrs {
  class?: string;
  id?: string;
  title?: string;
  /** Only `#/…` (a route of this page). */
  href?: string;
  type?: string;
  placeholder?: string;
  value?: string;
  checked?: boolean;
  disabled?: boolean;
  data?: Record<string, string>;
  style?: string;
  on?: { [K in keyof HTMLElementEventMap]?: (e: HTMLElementEventMap[K]) => void };
}

/** An element with attributes and children (strings as text nodes). */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs.class) el.className = attrs.class;
  if (attrs.id) el.id = attrs.id;
  if (attrs.title !== undefined) el.title = attrs.title;
  if (attrs.href !== undefined) {
    if (!attrs.href.startsWith("#/")) throw new Error(`only links to this page's routes are made, got ${attrs.href}`);
    el.setAttribute("href", attrs.href);
  }
  if (attrs.type !== undefined) el.setAttribute("type", attrs.type);
  if (attrs.placeholder !== undefined) el.setAttribute("placeholder", attrs.placeholder);
  if (attrs.value !== undefined) (el as HTMLInputElement).value = attrs.value;
  if (attrs.checked !== undefined) (el as HTMLInputElement).checked = attrs.checked;
  if (attrs.disabled !== undefined) (el as HTMLButtonElement).disabled = attrs.disabled;
  if (attrs.style !== undefined) el.setAttribute("style", attrs.style);
  for (const [k, v] of Object.entries(attrs.data ?? {})) el.dataset[k] = v;
  for (const [name, fn] of Object.entries(attrs.on ?? {})) el.addEventListener(name, fn as EventListener);
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
}

/** A two-column definition table of [name, value] pairs. */
export function facts(rows: readonly [string, Child][], cls = "facts"): HTMLTableElement {
  return h("table", { class: cls }, h("tbody", {}, ...rows.map(([k, v]) => h("tr", {}, h("th", {}, k), h("td", {}, v)))));
}

/** `#/experiment/<id>` with the id encoded as one path segment. */
export function route(...parts: string[]): string {
  return `#/${parts.map(encodeURIComponent).join("/")}`;
}

/** Seconds as "1 h 02 min", "3 min 05 s", "12 s". */
export function duration(seconds: number): string {
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
  if (s >= 60) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  return `${s} s`;
}
