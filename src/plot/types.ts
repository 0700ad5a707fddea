/** The plain-JSON plotly figure type shared by the builders, the grammar and the renderers. */

/** One plotly trace (only the fields mflab sets are typed; any plotly attribute may be added). */
export interface PlotlyTrace {
  type: string;
  name?: string;
  x?: unknown[];
  y?: unknown[];
  [attribute: string]: unknown;
}

/** A plotly figure as a plain JSON-serialisable object. */
export interface Figure {
  data: PlotlyTrace[];
  layout: Record<string, unknown>;
  /** plotly config (e.g. `{responsive: true}`); the renderers add sensible defaults. */
  config?: Record<string, unknown>;
}
