/**
 * A short content hash of a dataset, recorded with every run so results can be matched to the exact data.
 *
 * sha256 (node:crypto) over: the user and item id maps (raw ids in dense-index order), then the train triples,
 * then the test triples, each entry as `rawUser \t rawItem \t rating \n` in stored order; the hex digest is cut
 * to its first 16 characters. Same ids, same entries in the same order → same fingerprint; the dataset's name,
 * source path and titles do not enter. O(nnz).
 */
import { createHash, type Hash } from "node:crypto";
import type { Dataset, RatingsMatrix } from "./ratings";

/** The fingerprint of a dataset (module doc): 16 hex characters, equal for equal ids and entries. */
export function datasetFingerprint(ds: Dataset): string {
  const h = createHash("sha256");
  writeIds(h, "users", ds.userIds);
  writeIds(h, "items", ds.itemIds);
  writeTriples(h, "train", ds.train, ds.userIds, ds.itemIds);
  writeTriples(h, "test", ds.test, ds.userIds, ds.itemIds);
  return h.digest("hex").slice(0, 16);
}

const CHUNK = 8192;

function writeIds(h: Hash, label: string, ids: readonly string[]): void {
  h.update(`${label} ${ids.length}\n`);
  for (let k = 0; k < ids.length; k += CHUNK) h.update(`${ids.slice(k, k + CHUNK).join("\n")}\n`);
}

function writeTriples(h: Hash, label: string, m: RatingsMatrix, userIds: readonly string[], itemIds: readonly string[]): void {
  h.update(`${label} ${m.nnz}\n`);
  let buf = "";
  for (let k = 0; k < m.nnz; k++) {
    buf += `${userIds[m.users[k]]}\t${itemIds[m.items[k]]}\t${m.values[k]}\n`;
    if ((k & (CHUNK - 1)) === CHUNK - 1) {
      h.update(buf);
      buf = "";
    }
  }
  if (buf.length > 0) h.update(buf);
}
