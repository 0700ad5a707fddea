/**
 * The `mflab ui` page: a hash router over four pages (./pages.ts), data from the server's JSON API, and live
 * updates from its server-sent events — a page whose files changed is fetched again and redrawn in place
 * (tables keep their sort, filters and picks; figures are redrawn in their divs).
 *
 * Routes: `#/` experiments · `#/experiment/<id>` · `#/run/<id>/<run>` · `#/compare/<id a>/<id b>` ·
 * `#/runs/<id>|<run>/<id>|<run>/…` (picked runs).
 *
 * For tests the root element carries `data-view` (the page shown), `data-renders` (how many times it was drawn)
 * and `data-ready="1"` once its figures are drawn.
 */
import type { ChangedEvent, CompareDetail, ExperimentDetail, ExperimentList, RunDetail } from "../src/ui/protocol";
import { h, route } from "./dom";
import { comparePage, experimentPage, listPage, runPage, type States } from "./pages";
import { figuresDrawn, resetFigures } from "./plots";

const main = document.getElementById("app") as HTMLElement;
const live = document.getElementById("live") as HTMLElement;
const root = document.documentElement;

interface Route {
  view: "list" | "experiment" | "run" | "compare" | "runs";
  parts: string[];
}

function parseRoute(): Route {
  const parts = location.hash
    .replace(/^#\/?/, "")
    .split("/")
    .filter((p) => p !== "")
    .map((p) => decodeURIComponent(p));
  const [view, ...rest] = parts;
  if (view === "experiment" && rest.length === 1) return { view, parts: rest };
  if (view === "run" && rest.length === 2) return { view, parts: rest };
  if (view === "compare" && rest.length === 2) return { view, parts: rest };
  if (view === "runs" && rest.length >= 2) return { view, parts: rest };
  return { view: "list", parts: [] };
}

/** Files the route shows (a change to any of them redraws it); null: every file (the list). */
function filesOf(r: Route): string[] | null {
  if (r.view === "list") return null;
  if (r.view === "runs") return r.parts.map((p) => p.slice(0, p.lastIndexOf("|")));
  if (r.view === "run") return [r.parts[0]];
  return r.parts;
}

async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: { Accept: "application/json" } });
  const body = (await res.json()) as T & { error?: string };
  if (!res.ok) throw new Error(body.error ?? `${res.status} ${res.statusText}`);
  return body;
}

function apiPath(r: Route): string {
  const q = (pairs: [string, string][]) => pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&");
  switch (r.view) {
    case "experiment":
      return `/api/experiment?${q([["id", r.parts[0]]])}`;
    case "run":
      return `/api/run?${q([
        ["id", r.parts[0]],
        ["run", r.parts[1]],
      ])}`;
    case "compare":
      return `/api/compare?${q([
        ["a", r.parts[0]],
        ["b", r.parts[1]],
      ])}`;
    case "runs":
      return `/api/compare?${q(r.parts.map((p) => ["pick", p]))}`;
    default:
      return "/api/experiments";
  }
}

let states: States = new Map();
let current = "";
let renders = 0;
let generation = 0;

async function render(fresh: boolean): Promise<void> {
  const r = parseRoute();
  const key = location.hash;
  if (fresh || key !== current) {
    states = new Map();
    resetFigures();
    current = key;
    root.dataset.ready = "0";
  }
  const mine = ++generation;
  let page: HTMLElement;
  try {
    const data = await getJson<unknown>(apiPath(r));
    if (mine !== generation) return; // a newer render started
    const scrollY = window.scrollY;
    switch (r.view) {
      case "list":
        page = listPage(data as ExperimentList, states, (a, b) => {
          location.hash = route("compare", a, b);
        });
        break;
      case "experiment": {
        const d = data as ExperimentDetail;
        page = experimentPage(d, states, (runIds) => {
          location.hash = route("runs", ...runIds.map((id) => `${d.summary.id}|${id}`));
        });
        break;
      }
      case "run":
        page = runPage(data as RunDetail);
        break;
      default:
        page = comparePage(data as CompareDetail, states, key);
    }
    main.replaceChildren(page);
    window.scrollTo(0, scrollY);
    document.title = `${(page.querySelector("h1")?.textContent ?? "mflab").slice(0, 80)} — mflab ui`;
  } catch (e) {
    if (mine !== generation) return;
    page = h(
      "section",
      { class: "page error" },
      h("p", { class: "crumbs" }, h("a", { href: "#/" }, "experiments")),
      h("h1", {}, "Cannot show this page"),
      h("p", { class: "error" }, (e as Error).message),
    );
    main.replaceChildren(page);
  }
  root.dataset.view = r.view;
  root.dataset.renders = String(++renders);
  await figuresDrawn();
  if (mine === generation) root.dataset.ready = "1";
}

function connect(): void {
  const events = new EventSource("/api/events");
  events.addEventListener("open", () => {
    live.textContent = "live";
    live.className = "live on";
  });
  events.addEventListener("error", () => {
    live.textContent = "reconnecting…";
    live.className = "live off";
  });
  events.addEventListener("changed", (ev) => {
    const changed = JSON.parse((ev as MessageEvent<string>).data) as ChangedEvent;
    const files = filesOf(parseRoute());
    if (files === null || files.some((f) => changed.ids.includes(f))) void render(false);
  });
}

window.addEventListener("hashchange", () => void render(true));
void render(true);
connect();
