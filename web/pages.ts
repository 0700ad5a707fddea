/**
 * The four pages: the experiments list, an experiment, a run, a comparison. Each is a function of its payload
 * (../src/ui/protocol.ts) to DOM; live updates call it again with a fresh payload and the same table states.
 */
import type {
  CompareDetail,
  ExperimentDetail,
  ExperimentList,
  ExperimentSummary,
  FigurePayload,
  ObservationPayload,
  RunDetail,
  Table,
} from "../src/ui/protocol";
import { duration, facts, h, route, type Child } from "./dom";
import { cellText } from "./filter";
import { figureBlock } from "./plots";
import { dataTable, type TableState } from "./table";

/** Table states of the current page, by table name (kept across live updates, reset on navigation). */
export type States = Map<string, TableState>;

function stateOf(states: States, name: string): TableState {
  let s = states.get(name);
  if (!s) {
    s = { sort: null, filters: new Map(), picked: new Set() };
    states.set(name, s);
  }
  return s;
}

function number(v: number | null | undefined): string {
  return v === null || v === undefined ? "–" : cellText(v);
}

function progress(p: ExperimentSummary["running"]): HTMLElement | null {
  if (!p) return null;
  const pct = p.planned > 0 ? Math.min(100, (100 * p.done) / p.planned) : 0;
  return h(
    "span",
    { class: "progress", title: `sweep running since ${p.since}` },
    h("progress", { value: String(p.done), data: { planned: String(p.planned) } }),
    ` running: ${p.done} / ${p.planned} runs (${pct.toFixed(0)} %)${p.etaSeconds !== null ? `, about ${duration(p.etaSeconds)} left` : ""}`,
  );
}

function fixProgress(root: HTMLElement): void {
  for (const el of Array.from(root.querySelectorAll("progress"))) el.max = Number(el.dataset.planned ?? "1") || 1;
}

function notes(list: readonly string[], cls = "notes"): HTMLElement | null {
  return list.length === 0 ? null : h("ul", { class: cls }, ...list.map((n) => h("li", {}, n)));
}

function figures(scope: string, list: readonly FigurePayload[], figureNotes: readonly string[]): HTMLElement {
  return h("section", { class: "figures" }, h("h2", {}, "Figures"), ...list.map((f) => figureBlock(scope, f)), notes(figureNotes));
}

/** The experiments list. */
export function listPage(data: ExperimentList, states: States, onCompare: (a: string, b: string) => void): HTMLElement {
  const rows = data.experiments;
  const table: Table = {
    caption: `one row per results file under ${data.folders.join(", ")}`,
    columns: [
      { key: "name", label: "experiment", type: "text", group: "info" },
      { key: "status", label: "status", type: "text", group: "info" },
      { key: "runs", label: "runs", type: "number", group: "info" },
      { key: "ok", label: "ok", type: "number", group: "info" },
      { key: "failed", label: "failed", type: "number", group: "info" },
      { key: "best", label: "best", type: "number", group: "metric" },
      { key: "metric", label: "best of", type: "text", group: "metric" },
      { key: "dataset", label: "data", type: "text", group: "info" },
      { key: "models", label: "models", type: "text", group: "param" },
      { key: "file", label: "file", type: "text", group: "info" },
      { key: "updated", label: "last update", type: "text", group: "info" },
    ],
    rows: rows.map((e) => ({
      id: e.id,
      failed: e.error !== undefined,
      cells: [
        e.name,
        e.error !== undefined ? `error: ${e.error}` : e.running ? "running" : "done",
        e.error !== undefined ? null : e.runs,
        e.error !== undefined ? null : e.ok,
        e.error !== undefined ? null : e.failed,
        e.best?.value ?? null,
        e.best?.metric ?? null,
        e.error !== undefined ? null : e.dataset,
        e.models.join(", ") || null,
        e.id,
        e.updatedAt || null,
      ],
    })),
  };
  const state = stateOf(states, "experiments");
  const button = h("button", { type: "button", class: "action", disabled: state.picked.size !== 2 }, "compare the two picked experiments");
  button.addEventListener("click", () => {
    const [a, b] = [...state.picked];
    if (a !== undefined && b !== undefined) onCompare(a, b);
  });
  const byId = new Map(rows.map((e) => [e.id, e]));
  const el = h(
    "section",
    { class: "page list" },
    h("h1", {}, "Experiments"),
    h(
      "p",
      { class: "lead" },
      `${rows.length} results file${rows.length === 1 ? "" : "s"}, ${rows.reduce((n, e) => n + e.runs, 0)} runs · listed by the server in ${data.serverMs} ms` +
        (data.checking > 0 ? ` · checking ${data.checking} file${data.checking === 1 ? "" : "s"} in full…` : ""),
    ),
    h("div", { class: "toolbar" }, button),
    dataTable(table, state, {
      name: "experiments",
      link: (id) => (byId.get(id)?.error === undefined ? route("experiment", id) : null),
      onPick: (picked) => {
        button.disabled = picked.size !== 2;
      },
      decorate: (id, key) => {
        const e = byId.get(id);
        if (key === "status" && e?.running) return progress(e.running);
        if (key === "status" && e?.error !== undefined) return h("span", { class: "error", title: e.error }, `error: ${e.error}`);
        return null;
      },
    }),
  );
  fixProgress(el);
  return el;
}

function observationItem(o: ObservationPayload): HTMLElement {
  return h("li", { data: { kind: o.kind } }, o.title ? h("strong", {}, `${o.title}: `) : null, o.text);
}

/** An experiment: facts, key findings, tables, figures, observations, environment. */
export function experimentPage(d: ExperimentDetail, states: States, onPickRuns: (runIds: string[]) => void): HTMLElement {
  const s = d.summary;
  const runsState = stateOf(states, "runs");
  const pickButton = h("button", { type: "button", class: "action", disabled: runsState.picked.size < 2 }, "compare the picked runs");
  pickButton.addEventListener("click", () => onPickRuns([...runsState.picked]));
  const el = h(
    "section",
    { class: "page experiment" },
    h("p", { class: "crumbs" }, h("a", { href: "#/" }, "experiments"), " / ", s.file),
    h("h1", {}, s.name),
    s.description ? h("p", { class: "lead" }, s.description) : null,
    progress(s.running),
    facts([
      ["file", s.file],
      ["data", `${d.dataset.name} — ${d.dataset.sizes}`],
      ["fingerprint", h("code", {}, d.dataset.fingerprint)],
      ["source", d.dataset.source],
      ...(d.dataset.folds.length > 0
        ? ([["folds", d.dataset.folds.map((f) => `${f.name} (${f.fingerprint})`).join(", ")]] as [string, Child][])
        : []),
      ["models", s.models.join(", ")],
      ["runs", `${s.runs} (${s.ok} ok, ${s.failed} failed)`],
      ["best", s.best ? `${s.best.metric} ${number(s.best.value)} (run ${s.best.runId})` : "–"],
      ["last update", s.updatedAt],
    ]),
    d.keyFindings.length > 0
      ? h("section", { class: "findings" }, h("h2", {}, "Key findings"), h("ol", {}, ...d.keyFindings.map(observationItem)))
      : null,
    d.configurations
      ? h(
          "section",
          { class: "configurations" },
          h("h2", {}, "Configurations (folds and seeds aggregated)"),
          dataTable(d.configurations, stateOf(states, "configurations"), { name: "configurations" }),
        )
      : null,
    h(
      "section",
      { class: "runs" },
      h("h2", {}, "Runs"),
      h("div", { class: "toolbar" }, pickButton),
      dataTable(d.runs, runsState, {
        name: "runs",
        link: (id) => route("run", s.id, id),
        onPick: (picked) => {
          pickButton.disabled = picked.size < 2;
        },
      }),
    ),
    figures(`experiment:${s.id}`, d.figures, d.figureNotes),
    d.observations.length > 0
      ? h(
          "section",
          { class: "observations" },
          h("h2", {}, "Observations"),
          ...d.observations.map((g) => h("div", {}, h("h3", {}, g.topic), h("ul", {}, ...g.items.map(observationItem)))),
        )
      : null,
    h("section", { class: "env" }, h("h2", {}, "Environment"), facts(Object.entries(d.env))),
  );
  fixProgress(el);
  return el;
}

/** A run: parameters, facts, metrics, data, error, curves, environment. */
export function runPage(d: RunDetail): HTMLElement {
  const s = d.experiment;
  return h(
    "section",
    { class: "page run" },
    h("p", { class: "crumbs" }, h("a", { href: "#/" }, "experiments"), " / ", h("a", { href: route("experiment", s.id) }, s.name), " / run ", d.id),
    h("h1", {}, `Run ${d.id}`, h("span", { class: `status ${d.status}` }, d.status)),
    d.error !== null ? h("section", { class: "run-error" }, h("h2", {}, "Error"), h("pre", {}, d.error)) : null,
    h(
      "div",
      { class: "columns" },
      h("section", {}, h("h2", {}, "Parameters"), facts(d.params, "facts params")),
      h("section", {}, h("h2", {}, "Run"), facts(d.facts)),
      h(
        "section",
        {},
        h("h2", {}, "Metrics"),
        d.metrics.length > 0 ? facts(d.metrics, "facts metrics") : h("p", {}, "none (the run failed)"),
        h("h2", {}, "Data"),
        facts([
          ["data", d.data.name],
          ["fingerprint", h("code", {}, d.data.fingerprint)],
        ]),
      ),
    ),
    figures(`run:${s.id}:${d.id}`, d.figures, d.figureNotes),
    h("section", { class: "env" }, h("h2", {}, "Environment"), facts(Object.entries(d.env))),
  );
}

/** A comparison of two experiments or of picked runs. */
export function comparePage(d: CompareDetail, states: States, scope: string): HTMLElement {
  return h(
    "section",
    { class: "page compare" },
    h("p", { class: "crumbs" }, h("a", { href: "#/" }, "experiments"), " / compare"),
    h("h1", {}, d.title),
    h(
      "p",
      { class: d.sameData ? "same-data" : "different-data", data: { sameData: String(d.sameData) } },
      d.sameData
        ? "✓ same data: every item was scored on data with the same fingerprint"
        : "✗ different data: the fingerprints differ, so the numbers are not directly comparable",
    ),
    facts(d.data.map((x): [string, Child] => [x.label, h("span", {}, `${x.name} — `, h("code", {}, x.fingerprint))])),
    notes(d.notes),
    h("section", {}, h("h2", {}, "Side by side"), dataTable(d.table, stateOf(states, "compare"), { name: "compare" })),
    figures(scope, d.figures, d.figureNotes),
  );
}
