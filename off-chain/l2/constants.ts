// The widths of the posted transaction encoding. circuits/lib/transfer.circom
// and contracts/libraries/BatchHash.sol use the same.

/** Bytes of an amount (uint64, big-endian); every balance is a uint64 too. */
export const AMOUNT_BYTES = 8;
/** Bytes of a transfer's posted signature part: R8 compressed (its S is folded into the batch's aggregate S). */
export const R8_BYTES = 32;
/** Bytes of a batch's aggregate S, posted ahead of its transfers. */
export const AGGREGATE_S_BYTES = 32;
/** Bytes of batch data per field element hashed into the batchHash. */
export const CHUNK_BYTES = 31;
/** The largest balance or amount: balances are uint64. */
export const MAX_BALANCE = (1n << 64n) - 1n;
/** The deepest state tree: account indices are at most 4 bytes. */
export const MAX_TREE_DEPTH = 32;

/** Bytes of an account index in a tree of this depth: whole bytes, big-endian. */
export function indexBytes(treeDepth: number): number {
  return Math.ceil(treeDepth / 8);
}

/** Bytes one transfer takes in the posted batch data: from, to, amount, R8. */
export function transferBytes(treeDepth: number): number {
  return 2 * indexBytes(treeDepth) + AMOUNT_BYTES + R8_BYTES;
}

/** Bytes of a batch of `count` transfers: the aggregate S, then the transfers. */
export function batchBytes(count: number, treeDepth: number): number {
  return AGGREGATE_S_BYTES + count * transferBytes(treeDepth);
}
