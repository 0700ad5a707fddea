/**
 * The rows of one Gibbs half-sweep (users given items, or items given users) of ./gibbs.ts: each row [x; b] drawn
 * from its Gaussian conditional N(P⁻¹h, P⁻¹), P = Λ + α X̃ᵀX̃, h = α X̃ᵀt + Λμ (the model docs in ./bpmf.ts and
 * ./bayes-svdpp.ts). This file holds the per-row arithmetic every thread runs identically: on this thread
 * ({@link gibbsHalfSweep}) or split over worker threads by the ALS thread backend (../als/als-threads.ts, which
 * runs ALS half-steps and these steps alike).
 *
 * A row's draw reads only the fixed side of the half-sweep, the side's hyperparameters (Λ, Λμ), α and its own
 * generator, reseeded by (seed, sweep, block, row) ({@link rowSeed}); it writes only its own row. So the rows of a
 * half-sweep are independent, and the numbers do not depend on the order in which rows are drawn, on the thread
 * that draws them, or on how the rows are split — threads give the same numbers bit for bit.
 */
import { Rng } from "../../core/random";
import type { Csr } from "../../data/ratings";
import { GramAssembler } from "../../linalg/gram";
import { drawGaussianFromPrecision, rowSeed } from "./sampling";

/**
 * One half-sweep's data (user half-sweep: csr by user, design V, fixed bias c; item half-sweep: csr by item,
 * design P = the effective user factors, fixed bias b). For worker threads every array lives on a
 * SharedArrayBuffer ({@link gibbsStepArrays}); the scalars are copied with the step.
 */
export interface GibbsRowStep {
  readonly kind: "gibbs";
  /** One row per drawn entity; column indices address rows of `design`. Rows without entries are not drawn. */
  readonly csr: Pick<Csr, "nRows" | "indptr" | "indices">;
  /** Per CSR position: the rating minus the global mean μ. */
  readonly targets: Float64Array;
  /** Factors of the fixed side (csr column count × d), the design X of the rows. */
  readonly design: Float64Array;
  /** Biases of the fixed side, subtracted from the targets (null without biases). */
  readonly designBias: Float64Array | null;
  /** Rows drawn: factors (csr.nRows × d), overwritten. */
  readonly solved: Float64Array;
  /** Biases drawn (null without biases), overwritten; the bias is the row's last unknown (its design column is 1). */
  readonly solvedBias: Float64Array | null;
  readonly d: number;
  /** Time-bin item biases c_{i,bin} (nItems × timeBins), subtracted from the targets; null without time bins. */
  readonly timeBias: Float64Array | null;
  /** Per CSR position: the rating's time bin (empty without time bins). */
  readonly bins: Int32Array;
  readonly timeBins: number;
  /** Whether the item of a rating is the row (item half-sweep) or the column (user half-sweep), for `timeBias`. */
  readonly itemIsRow: boolean;
  /** User half-sweep with the implicit term: subtract z_u · v_i (Z: nUsers × d, V: nItems × d); else null. */
  readonly implicit: { readonly Z: Float64Array; readonly V: Float64Array } | null;
  /** The side's hyperparameters: Λ (k × k) and Λμ (k), k = d (+ 1 with biases). */
  readonly lambda: Float64Array;
  readonly lambdaMu: Float64Array;
  /** [α, sweep]: set by the calling thread before each half-sweep. */
  readonly state: Float64Array;
  readonly seed: number;
  /** Block number of the half-sweep for {@link rowSeed}. */
  readonly block: number;
  /** Model name, for messages. */
  readonly model: string;
}

/** Every array of a step (what must be shared for worker threads). */
export function gibbsStepArrays(step: GibbsRowStep): ArrayBufferView[] {
  const out: ArrayBufferView[] = [step.csr.indptr, step.csr.indices, step.targets, step.design, step.solved, step.bins];
  out.push(step.lambda, step.lambdaMu, step.state);
  for (const a of [step.designBias, step.solvedBias, step.timeBias, step.implicit?.Z ?? null, step.implicit?.V ?? null]) if (a !== null) out.push(a);
  return out;
}

/** Scratch of {@link gibbsDrawRow} for k unknowns and rows of up to `maxRowLength` entries (one per thread). */
export class GibbsRowWorkspace {
  readonly gram: GramAssembler;
  readonly target: Float64Array;
  readonly G: Float64Array;
  readonly rhs: Float64Array;
  readonly x: Float64Array;
  readonly z: Float64Array;
  /** One generator, reseeded per row (no allocation per row). */
  readonly rng = new Rng(0);

  constructor(
    readonly k: number,
    readonly maxRowLength: number,
  ) {
    this.gram = new GramAssembler(k, Math.max(1, maxRowLength));
    this.target = new Float64Array(Math.max(1, maxRowLength));
    this.G = new Float64Array(k * k);
    this.rhs = new Float64Array(k);
    this.x = new Float64Array(k);
    this.z = new Float64Array(k);
  }
}

/**
 * Draw row `r` of a half-sweep from its conditional (module doc) and write it into `step.solved` (and
 * `step.solvedBias`). A row without entries is left as it is.
 * @throws Error when the conditional precision is not numerically positive definite; RangeError for a workspace of
 *   the wrong size
 */
export function gibbsDrawRow(step: GibbsRowStep, r: number, ws: GibbsRowWorkspace): void {
  const { csr, d, targets, design, designBias, timeBias, bins, timeBins, implicit } = step;
  const start = csr.indptr[r];
  const end = csr.indptr[r + 1];
  if (end === start) return;
  const biases = step.solvedBias !== null;
  const k = biases ? d + 1 : d;
  if (ws.k !== k) throw new RangeError(`gibbsDrawRow: workspace is for k = ${ws.k} unknowns, this step has ${k}`);
  if (end - start > ws.maxRowLength) throw new RangeError(`gibbsDrawRow: row ${r} has ${end - start} entries, workspace holds ${ws.maxRowLength}`);
  const target = ws.target;
  for (let p = start; p < end; p++) {
    const c = csr.indices[p];
    let t = targets[p];
    if (designBias !== null) t -= designBias[c];
    if (timeBias !== null) t -= timeBias[(step.itemIsRow ? r : c) * timeBins + bins[p]];
    if (implicit !== null) {
      const { Z, V } = implicit;
      let s = 0;
      for (let a = 0; a < d; a++) s += Z[r * d + a] * V[c * d + a];
      t -= s;
    }
    target[p - start] = t;
  }
  const { G, rhs, x } = ws;
  ws.gram.rowGram(design, d, csr.indices, start, end, biases, target, 0, G, rhs);
  const alpha = step.state[0];
  const lambda = step.lambda;
  for (let t = 0; t < k * k; t++) G[t] = lambda[t] + alpha * G[t];
  for (let a = 0; a < k; a++) rhs[a] = alpha * rhs[a] + step.lambdaMu[a];
  const rng = ws.rng.reseed(rowSeed(step.seed, step.state[1], step.block, r));
  if (!drawGaussianFromPrecision(rng, G, rhs, k, x, ws.z)) {
    throw new Error(`${step.model}: the conditional precision of row ${r} is not positive definite (α = ${alpha})`);
  }
  const F = step.solved;
  for (let a = 0; a < d; a++) F[r * d + a] = x[a];
  if (biases) step.solvedBias![r] = x[d];
}

/** Every row of a half-sweep on this thread, in index order. */
export function gibbsHalfSweep(step: GibbsRowStep, ws: GibbsRowWorkspace): void {
  for (let r = 0; r < step.csr.nRows; r++) gibbsDrawRow(step, r, ws);
}
