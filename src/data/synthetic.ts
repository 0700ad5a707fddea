/**
 * A MovieLens-like synthetic ratings generator with a known ground truth.
 *
 * Model (all draws from one random stream seeded by `seed`: the sequence of `Rng(seed)`, see {@link Rng}):
 *   r_ui = clip(round(μ + b_u + b_i + p_u·q_i + ε_ui), lo, hi)
 * - μ = `mean` (3.53), b_u ~ N(0, userBiasStd²) (0.4), ε ~ N(0, noise²) (0.8),
 * - b_i = itemBiasStd·(ρ·z_i + √(1−ρ²)·g_i) with ρ = 0.4 and z_i the standardized log popularity of item i,
 *   so popular items are somewhat better rated (itemBiasStd 0.5),
 * - p_u, q_i ~ N(0, σ²·I_rank) with σ² = interactionStd/√rank, so p_u·q_i has standard deviation
 *   `interactionStd` (0.6); rank 0 means no interaction term.
 * - Which items a user rates: item popularity weights w_i = (rank_i + 1 + c)^−s (Zipf-like, s =
 *   `popularityExponent` 1, offset c = 1% of nItems so the head is not absurdly heavy), popularity ranks
 *   assigned to items by a random permutation. Items are drawn per user with the alias method (O(1) per draw)
 *   and deduplicated by rejection (a stamp array: stamp[i] = u + 1 once user u took item i); if a user has
 *   taken most of the popularity mass, the remaining picks switch to weighted sampling without replacement
 *   over the untaken items (exponential keys).
 * - Draw order (fixed, it defines the output): popularity permutation, activities, items user by user, item
 *   bias noise g_i, b_u, p_u (row-major), q_i, then one ε per rating in entry order.
 * - How many: every user gets at least `minPerUser` (20, like ML-100K; lowered to ⌊nRatings/nUsers⌋ if
 *   needed) plus a share of the rest proportional to a log-normal activity exp(g_u), g_u ~ N(0, 1)
 *   (heavy tail), capped at max(⌈nRatings/nUsers⌉, 45% of nItems) by water-filling; totals are exact.
 *
 * Defaults mimic ML-100K: 943 users, 1682 items, 100,000 ratings, rank 5, seed 42; the rating histogram
 * comes out close to ML-100K's (≈ 6/11/27/34/21 % for 1..5, mean ≈ 3.5).
 * Output: user-major triples with ids "u1".., "i1..", no duplicate (user, item) pairs; `lines` = row number.
 * Deterministic for a seed. Cost O(nRatings·rank + nUsers + nItems) expected (≈ 10 ms for 100k, ≈ 75 ms for 1M).
 *
 * Scale (`scale`: "1M" | "5M" | "25M" | a number of ratings): sizes shaped like MovieLens-25M — its
 * 162,541 users × 59,047 items for 25,000,095 ratings, both scaled in proportion to the number of ratings
 * (so ratings per user, ≈ 154, and ratings per item, ≈ 423, stay those of ML-25M; see {@link syntheticScale}).
 * Explicit nUsers / nItems / nRatings override the preset. For such sizes use {@link generateSyntheticMatrix}:
 * the same draws (bitwise the same ratings for the same options), written straight into typed arrays
 * (Int32 user / item indices, Float64 ratings; ≈ 16 bytes per rating, no per-rating strings). Measured (Node 20,
 * 2-core VM, best of several runs): 25M ratings in ≈ 1.7 s (was 5.6 s with a Set per user, Rng and Math.round)
 * at ≈ 0.44 GB peak RSS for the generation alone; the time goes to the item draws (≈ 0.7 s, mostly random
 * reads of the alias table), the noise (≈ 0.4 s, mostly Math.log) and the ratings pass (≈ 0.45 s), of which
 * ≈ 0.3 s is first-touch page faults of the 400 MB output (scripts/bench-scale.js: data ≈ 1.7 s).
 * @throws RangeError for non-integer or out-of-range sizes, or nRatings > nUsers·nItems
 */
import { Rng } from "../core/random";
import type { RawRatings } from "./parse";
import { RatingsMatrix } from "./ratings";

export interface SyntheticOptions {
  nUsers?: number;
  nItems?: number;
  nRatings?: number;
  rank?: number;
  /** Standard deviation of the rating noise ε. */
  noise?: number;
  seed?: number;
  mean?: number;
  userBiasStd?: number;
  itemBiasStd?: number;
  /** Standard deviation of p_u·q_i. */
  interactionStd?: number;
  minPerUser?: number;
  popularityExponent?: number;
  ratingScale?: readonly [number, number];
  /** Round ratings to integers (default true). */
  discrete?: boolean;
}

export const SYNTHETIC_DEFAULTS: Readonly<Required<SyntheticOptions>> = Object.freeze({
  nUsers: 943,
  nItems: 1682,
  nRatings: 100_000,
  rank: 5,
  noise: 0.8,
  seed: 42,
  mean: 3.53,
  userBiasStd: 0.4,
  itemBiasStd: 0.5,
  interactionStd: 0.6,
  minPerUser: 20,
  popularityExponent: 1,
  ratingScale: [1, 5] as const,
  discrete: true,
});

/** The parameters the ratings were drawn from (dense index = id number − 1). */
export interface SyntheticTruth {
  mean: number;
  rank: number;
  userBias: Float64Array;
  itemBias: Float64Array;
  /** nUsers × rank, row-major. */
  userFactors: Float64Array;
  /** nItems × rank, row-major. */
  itemFactors: Float64Array;
  /** Item popularity weights (sum 1). */
  itemPopularity: Float64Array;
}

export interface SyntheticRatings extends RawRatings {
  truth: SyntheticTruth;
  options: Readonly<Required<SyntheticOptions>>;
}

/** Size presets shaped like MovieLens-25M (see {@link syntheticScale}); a number means that many ratings. */
export type SyntheticScale = "1M" | "5M" | "25M" | number;

/** {@link SyntheticOptions} plus a size preset. */
export interface SyntheticScaleOptions extends SyntheticOptions {
  scale?: SyntheticScale;
}

/** MovieLens-25M's shape: users, items and ratings of `ratings.csv`. */
export const ML25M_SHAPE = Object.freeze({ nUsers: 162_541, nItems: 59_047, nRatings: 25_000_095 });

/**
 * Sizes for `scale`: nRatings = 1e6 / 5e6 / 25e6 (or the number given), nUsers = round(162,541·f),
 * nItems = round(59,047·f) with f = nRatings / 25,000,095 (at least 1 each) — ML-25M's users and items scaled
 * with the ratings, so per-user and per-item counts keep ML-25M's averages.
 * @throws RangeError for an unknown preset or a number that is not a positive integer
 */
export function syntheticScale(scale: SyntheticScale): { nUsers: number; nItems: number; nRatings: number } {
  const presets: Record<string, number> = { "1M": 1_000_000, "5M": 5_000_000, "25M": 25_000_000 };
  const nRatings = typeof scale === "number" ? scale : presets[scale];
  if (nRatings === undefined || !Number.isInteger(nRatings) || nRatings < 1) {
    throw new RangeError(`generateSynthetic: scale must be "1M", "5M", "25M" or a positive integer number of ratings, got ${JSON.stringify(scale)}`);
  }
  const f = nRatings / ML25M_SHAPE.nRatings;
  return {
    nUsers: Math.max(1, Math.round(ML25M_SHAPE.nUsers * f)),
    nItems: Math.max(1, Math.round(ML25M_SHAPE.nItems * f)),
    nRatings,
  };
}

/** The typed output of {@link generateSyntheticMatrix}: dense indices u = id number − 1 ("u1" is 0). */
export interface SyntheticMatrix {
  /** All ratings (user-major), nUsers × nItems index space (users without ratings possible with minPerUser 0). */
  matrix: RatingsMatrix;
  truth: SyntheticTruth;
  options: Readonly<Required<SyntheticOptions>>;
}

interface Drawn {
  users: Int32Array;
  items: Int32Array;
  ratings: Float64Array;
  truth: SyntheticTruth;
  options: Readonly<Required<SyntheticOptions>>;
}

function resolveOptions(options: SyntheticScaleOptions): Required<SyntheticOptions> {
  const { scale, ...rest } = options;
  const sized = scale === undefined ? {} : syntheticScale(scale);
  const o: Required<SyntheticOptions> = { ...SYNTHETIC_DEFAULTS, ...sized, ...stripUndefined(rest) };
  checkOptions(o);
  return o;
}

/**
 * The generator (module doc) with typed-array output: no per-rating strings, ≈ 16 bytes per rating.
 * Same ratings as {@link generateSynthetic} for the same options.
 * @throws RangeError as generateSynthetic
 */
export function generateSyntheticMatrix(options: SyntheticScaleOptions = {}): SyntheticMatrix {
  const g = draw(resolveOptions(options));
  const o = g.options;
  return { matrix: new RatingsMatrix(o.nUsers, o.nItems, g.users, g.items, g.ratings), truth: g.truth, options: g.options };
}

const POPULARITY_RATING_CORRELATION = 0.4;
const ACTIVITY_SPREAD = 1.2;

/**
 * Seeded MovieLens-like ratings (low rank + user/item biases + noise, long-tail item popularity, integer ratings
 * 1–5) as raw triples with string ids; the default sizes mimic ML-100K. Same options → same ratings.
 */
export function generateSynthetic(options: SyntheticScaleOptions = {}): SyntheticRatings {
  const g = draw(resolveOptions(options));
  const o = g.options;
  const { nUsers, nItems, nRatings } = o;
  const users: string[] = new Array(nRatings);
  const items: string[] = new Array(nRatings);
  const lines = new Int32Array(nRatings);
  const userNames = new Array<string>(nUsers);
  for (let u = 0; u < nUsers; u++) userNames[u] = `u${u + 1}`;
  const itemNames = new Array<string>(nItems);
  for (let i = 0; i < nItems; i++) itemNames[i] = `i${i + 1}`;
  for (let k = 0; k < nRatings; k++) {
    users[k] = userNames[g.users[k]];
    items[k] = itemNames[g.items[k]];
    lines[k] = k + 1;
  }
  return { file: `synthetic(seed=${o.seed})`, users, items, ratings: g.ratings, lines, truth: g.truth, options: o };
}

/** All draws of the generator, into typed arrays. */
function draw(o: Required<SyntheticOptions>): Drawn {
  const { nUsers, nItems, nRatings, rank, seed } = o;
  const rng = new Rng(seed);

  // Item popularity: Zipf-like weights over a random ranking of the items.
  const order = new Int32Array(nItems);
  for (let i = 0; i < nItems; i++) order[i] = i;
  rng.shuffle(order);
  const offset = Math.max(1, 0.01 * nItems);
  const weight = new Float64Array(nItems);
  let wSum = 0;
  for (let r = 0; r < nItems; r++) {
    const w = (r + 1 + offset) ** -o.popularityExponent;
    weight[order[r]] = w;
    wSum += w;
  }
  for (let i = 0; i < nItems; i++) weight[i] /= wSum;
  const alias = buildAlias(weight);

  // Who rates what: per-user counts, then distinct items per user (user-major order).
  const counts = userCounts(o, rng);
  const userOf = new Int32Array(nRatings);
  const itemOf = new Int32Array(nRatings);
  const itemCount = new Float64Array(nItems);
  // stamp[i] === u + 1: item i is taken by user u (one array for all users instead of a Set per user).
  const stamp = new Int32Array(nItems);
  const draws = new Int32Array(nItems);
  let e = 0;
  for (let u = 0; u < nUsers; u++) {
    const n = counts[u];
    pickItems(n, u + 1, alias, weight, rng, stamp, itemCount, draws, itemOf, e);
    userOf.fill(u, e, e + n);
    e += n;
  }

  // Item bias: correlated with standardized log popularity z, centered so its mean over the drawn ratings is 0
  // (then μ is the mean of the latent rating).
  const z = new Float64Array(nItems);
  let lm = 0;
  for (let i = 0; i < nItems; i++) lm += z[i] = Math.log(weight[i]);
  lm /= nItems;
  let lv = 0;
  for (let i = 0; i < nItems; i++) lv += (z[i] - lm) ** 2;
  const lsd = Math.sqrt(lv / nItems) || 1;
  let zw = 0;
  for (let i = 0; i < nItems; i++) zw += itemCount[i] * (z[i] = (z[i] - lm) / lsd);
  zw /= nRatings;
  const rho = POPULARITY_RATING_CORRELATION;
  const itemBias = new Float64Array(nItems);
  for (let i = 0; i < nItems; i++) {
    itemBias[i] = o.itemBiasStd * (rho * (z[i] - zw) + Math.sqrt(1 - rho * rho) * rng.gaussian());
  }
  const userBias = new Float64Array(nUsers);
  for (let u = 0; u < nUsers; u++) userBias[u] = o.userBiasStd * rng.gaussian();
  const sigma = rank > 0 ? Math.sqrt(o.interactionStd / Math.sqrt(rank)) : 0;
  const userFactors = new Float64Array(nUsers * rank);
  const itemFactors = new Float64Array(nItems * rank);
  for (let k = 0; k < userFactors.length; k++) userFactors[k] = sigma * rng.gaussian();
  for (let k = 0; k < itemFactors.length; k++) itemFactors[k] = sigma * rng.gaussian();

  // Ratings: first the noise ε_k (one gaussian per rating in entry order, a sequential pass), then user by user
  // r = round((((μ + b_u) + b_i) + p_u·q_i) + noise·ε) clipped — the same operations in the same order as the
  // formula, so the same doubles.
  const ratings = new Float64Array(nRatings);
  rng.fillGaussian(ratings);
  const [lo, hi] = o.ratingScale;
  const { mean, noise, discrete } = o;
  e = 0;
  for (let u = 0; u < nUsers; u++) {
    const base = mean + userBias[u];
    const pu = u * rank;
    const end = e + counts[u];
    for (let k = e; k < end; k++) {
      const i = itemOf[k];
      const qi = i * rank;
      let dot = 0;
      for (let f = 0; f < rank; f++) dot += userFactors[pu + f] * itemFactors[qi + f];
      let r = base + itemBias[i] + dot + noise * ratings[k];
      if (discrete) r = roundHalfUp(r);
      ratings[k] = r < lo ? lo : r > hi ? hi : r;
    }
    e = end;
  }
  return {
    users: userOf,
    items: itemOf,
    ratings,
    truth: { mean: o.mean, rank, userBias, itemBias, userFactors, itemFactors, itemPopularity: weight },
    options: Object.freeze(o),
  };
}

/**
 * Math.round(x), bitwise (halves toward +∞, −0 kept), with a fast path: for 0.5 ≤ x < 2^52, ⌊x + 0.5⌋ is
 * Math.round(x) (there x + 0.5 is exact, or its rounding error cannot carry it across an integer);
 * V8's Math.round costs a mispredicted branch on random fractions (≈ 7 ns per call here).
 * @internal
 */
export function roundHalfUp(x: number): number {
  return x >= 0.5 && x < 4503599627370496 ? Math.floor(x + 0.5) : Math.round(x);
}

function stripUndefined(o: SyntheticOptions): SyntheticOptions {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as SyntheticOptions;
}

function checkOptions(o: Required<SyntheticOptions>): void {
  const int = (name: keyof SyntheticOptions, min: number): void => {
    const v = o[name] as number;
    if (!Number.isInteger(v) || v < min) throw new RangeError(`generateSynthetic: ${name} must be an integer ≥ ${min}, got ${v}`);
  };
  int("nUsers", 1);
  int("nItems", 1);
  int("nRatings", 1);
  int("rank", 0);
  int("minPerUser", 0);
  for (const name of ["noise", "userBiasStd", "itemBiasStd", "interactionStd", "popularityExponent"] as const) {
    if (!(o[name] >= 0) || !Number.isFinite(o[name])) {
      throw new RangeError(`generateSynthetic: ${name} must be a finite number ≥ 0, got ${o[name]}`);
    }
  }
  if (!Number.isFinite(o.mean)) throw new RangeError(`generateSynthetic: mean must be finite, got ${o.mean}`);
  if (!Number.isFinite(o.seed)) throw new RangeError(`generateSynthetic: seed must be finite, got ${o.seed}`);
  const [lo, hi] = o.ratingScale;
  if (!(lo < hi)) throw new RangeError(`generateSynthetic: ratingScale must be [min, max] with min < max, got [${lo}, ${hi}]`);
  if (o.nRatings > o.nUsers * o.nItems) {
    throw new RangeError(`generateSynthetic: nRatings (${o.nRatings}) exceeds nUsers × nItems (${o.nUsers} × ${o.nItems}) without duplicates`);
  }
}

/** Ratings per user: a floor of minPerUser plus log-normal shares of the rest, water-filled under a cap. */
function userCounts(o: Required<SyntheticOptions>, rng: Rng): Int32Array {
  const { nUsers, nItems, nRatings } = o;
  const m = Math.min(o.minPerUser, Math.floor(nRatings / nUsers), nItems);
  const cap = Math.min(nItems, Math.max(Math.ceil(nRatings / nUsers), Math.round(0.45 * nItems)));
  const activity = new Float64Array(nUsers);
  for (let u = 0; u < nUsers; u++) activity[u] = Math.exp(ACTIVITY_SPREAD * rng.gaussian());
  const share = new Float64Array(nUsers);
  const capped = new Uint8Array(nUsers);
  let remaining = nRatings - m * nUsers;
  // Water-filling: give each uncapped user its proportional share; users over the cap are fixed at the cap.
  for (;;) {
    let w = 0;
    for (let u = 0; u < nUsers; u++) if (!capped[u]) w += activity[u];
    let changed = false;
    for (let u = 0; u < nUsers; u++) {
      if (capped[u]) continue;
      share[u] = (remaining * activity[u]) / w;
      if (m + share[u] > cap) {
        capped[u] = 1;
        share[u] = cap - m;
        remaining -= cap - m;
        changed = true;
      }
    }
    if (!changed || w === 0) break;
  }
  // Integer counts with an exact total: differences of the rounded cumulative sum (each within ±1 of share).
  const counts = new Int32Array(nUsers);
  let cum = 0;
  let prev = 0;
  let total = 0;
  for (let u = 0; u < nUsers; u++) {
    cum += share[u];
    const next = Math.round(cum);
    counts[u] = m + Math.min(cap - m, Math.max(0, next - prev));
    prev = next;
    total += counts[u];
  }
  // Float rounding can leave the total off by a few; fix up on users with room.
  for (let u = 0; total !== nRatings && u < 4 * nUsers; u++) {
    const v = u % nUsers;
    if (total < nRatings && counts[v] < cap) {
      counts[v]++;
      total++;
    } else if (total > nRatings && counts[v] > m) {
      counts[v]--;
      total--;
    }
  }
  return counts;
}

interface Alias {
  prob: Float64Array;
  alias: Int32Array;
}

/** Vose's alias table for the discrete distribution `p` (sums to 1). O(n). */
function buildAlias(p: Float64Array): Alias {
  const n = p.length;
  const prob = new Float64Array(n);
  const alias = new Int32Array(n);
  const scaled = new Float64Array(n);
  const small = new Int32Array(n);
  const large = new Int32Array(n);
  let ns = 0;
  let nl = 0;
  for (let i = 0; i < n; i++) {
    scaled[i] = p[i] * n;
    if (scaled[i] < 1) small[ns++] = i;
    else large[nl++] = i;
  }
  while (ns > 0 && nl > 0) {
    const s = small[--ns];
    const l = large[--nl];
    prob[s] = scaled[s];
    alias[s] = l;
    scaled[l] = scaled[l] + scaled[s] - 1;
    if (scaled[l] < 1) small[ns++] = l;
    else large[nl++] = l;
  }
  while (nl > 0) prob[large[--nl]] = 1;
  while (ns > 0) prob[small[--ns]] = 1;
  return { prob, alias };
}

/**
 * Draw `count` distinct items into `out[at .. at + count)` (weighted by popularity, without replacement),
 * counting each in `itemCount`; `draws` is scratch (length ≥ count).
 * Alias draws with rejection of items already taken (`stamp[i] === mark`; taken items get marked); when
 * rejections pile up (the user holds most of the mass), the rest is drawn by exponential keys −ln(U)/w over
 * the untaken items (Efraimidis–Spirakis), smallest keys first.
 */
function pickItems(
  count: number,
  mark: number,
  table: Alias,
  weight: Float64Array,
  rng: Rng,
  stamp: Int32Array,
  itemCount: Float64Array,
  draws: Int32Array,
  out: Int32Array,
  at: number,
): void {
  const n = weight.length;
  let have = 0;
  let budget = 20 * count + 100;
  // Draws one at a time until `count` distinct items or the budget is spent, in batches of exactly the number
  // still missing (no batch can overshoot: each draw adds at most one item), so the stream is unchanged.
  while (have < count && budget > 0) {
    const m = Math.min(count - have, budget);
    budget -= m;
    rng.aliasDraws(table.prob, table.alias, draws, m);
    for (let t = 0; t < m; t++) {
      const i = draws[t];
      if (stamp[i] !== mark) {
        stamp[i] = mark;
        itemCount[i]++;
        out[at + have++] = i;
      }
    }
  }
  if (have < count) {
    const cand: number[] = [];
    const key = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      if (stamp[i] === mark) continue;
      key[i] = -Math.log(1 - rng.next()) / weight[i];
      cand.push(i);
    }
    cand.sort((a, b) => key[a] - key[b] || a - b);
    for (let t = 0; have < count; t++) {
      stamp[cand[t]] = mark;
      itemCount[cand[t]]++;
      out[at + have++] = cand[t];
    }
  }
}
