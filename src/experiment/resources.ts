/**
 * Resource guards, checked before work starts: a run whose estimated memory is above the budget is recorded as
 * failed with the estimate (instead of growing until the machine swaps or the process is killed), synthetic data
 * too large to hold is refused, and a rank larger than the matrix is pointed out.
 *
 * The estimate of one run is the training and test matrices (coordinate triples, 16 bytes per rating, twice for
 * the copies a fit may make) plus what the model declares it allocates for that shape and config
 * (`ModelDefinition.memoryBytes`: factors, Gram systems, dense similarity matrices…). The budget per run defaults to
 * half the machine's memory divided by the runs fitted at once; `--memory-budget` / `memoryBudget` /
 * `MFLAB_MEMORY_BUDGET` (bytes, or with a unit: `512M`, `8G`) override it.
 */
import * as os from "node:os";
import { InputError } from "../core/errors";
import type { DataSpec } from "../data/spec";
import type { MatrixShape, ModelDefinition } from "../models/types";

/** Bytes per rating of a loaded matrix pair (train + test triples: two int32 ids and a float64 value, and a copy). */
const BYTES_PER_RATING = 32;
/** Bytes per rating while generating synthetic ratings (ids, values, dedupe stamps, both matrices). */
const SYNTHETIC_BYTES_PER_RATING = 64;

/** `512M`, `8G`, `1.5GB`, `2e9` → bytes. @throws InputError for anything else */
export function parseBytes(text: string, where = "--memory-budget"): number {
  const m = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*([kmgt]?)i?b?\s*$/i.exec(text);
  const unit = m ? { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2].toLowerCase() as "" | "k" | "m" | "g" | "t"] : undefined;
  const value = m && unit !== undefined ? Number(m[1]) * unit : NaN;
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new InputError(`must be a size such as 512M, 8G or a number of bytes, got ${JSON.stringify(text)}`, where);
  }
  return Math.floor(value);
}

/** `4.2 GB`, `512 MB`, `12 kB` (powers of 1024, one decimal). */
export function formatBytes(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB", "PB"];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

/**
 * The memory budget of one run: `explicit` when given, else `MFLAB_MEMORY_BUDGET`, else half the machine's memory
 * shared by the runs fitted at once. Returns the bytes and how the figure was chosen (for messages).
 */
export function memoryBudget(concurrentFits: number, explicit?: number): { bytes: number; source: string } {
  if (explicit !== undefined) return { bytes: explicit, source: "the memory budget given" };
  const env = process.env.MFLAB_MEMORY_BUDGET;
  if (env !== undefined && env !== "") return { bytes: parseBytes(env, "MFLAB_MEMORY_BUDGET"), source: "MFLAB_MEMORY_BUDGET" };
  const total = os.totalmem();
  const n = Math.max(1, concurrentFits);
  return {
    bytes: Math.floor(total / 2 / n),
    source: `half of this machine's ${formatBytes(total)}${n > 1 ? ` shared by ${n} runs at once` : ""}`,
  };
}

/** Estimated peak bytes of one run: the matrices plus the model's own arrays (module doc). */
export function runMemoryBytes(def: ModelDefinition<object>, config: object, train: MatrixShape, nTest: number): number {
  const model = def.memoryBytes ? def.memoryBytes(train, config) : 0;
  return BYTES_PER_RATING * (train.nnz + nTest) + model;
}

/**
 * The reason a run is refused for memory, or undefined when it fits: `needs about 4.2 GB … more than the budget …`.
 */
export function memoryRefusal(estimate: number, budget: { bytes: number; source: string }): string | undefined {
  if (estimate <= budget.bytes) return undefined;
  return (
    `needs about ${formatBytes(estimate)} of memory (estimated from the data size and the model's arrays for this config), ` +
    `more than the budget of ${formatBytes(budget.bytes)} per run (${budget.source}); lower d or the data size, or raise the budget ` +
    `with --memory-budget / MFLAB_MEMORY_BUDGET if the machine has the memory`
  );
}

/**
 * Refuse synthetic data that cannot be held in memory (checked before generating anything).
 * @throws InputError naming data.nRatings, the estimate and the budget
 */
export function checkDataSize(data: DataSpec, budgetBytes: number): void {
  if (data.kind !== "synthetic") return;
  const estimate = SYNTHETIC_BYTES_PER_RATING * data.nRatings;
  if (estimate > budgetBytes) {
    throw new InputError(
      `data.nRatings = ${data.nRatings} would need about ${formatBytes(estimate)} of memory to generate and hold, more than ` +
        `${formatBytes(budgetBytes)} (half of this machine's memory, or --memory-budget / MFLAB_MEMORY_BUDGET)`,
    );
  }
}

/** A note when the rank exceeds the smaller side of the matrix (the extra factors are not determined by the data). */
export function rankWarning(model: string, d: unknown, shape: MatrixShape): string | undefined {
  if (typeof d !== "number") return undefined;
  const side = Math.min(shape.nUsers, shape.nItems);
  if (d <= side) return undefined;
  const which = shape.nUsers <= shape.nItems ? `${shape.nUsers} users` : `${shape.nItems} items`;
  return `${model} with d = ${d} is larger than the smaller side of the matrix (${which}): factors beyond ${side} cannot be determined by the data (and cost time and memory)`;
}
