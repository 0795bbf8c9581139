// The widths of the posted transaction encoding. circuits/lib/transfer.circom
// and contracts/libraries/BatchHash.sol use the same.

/** Bytes of an amount (uint64, big-endian); every balance is a uint64 too. */
export const AMOUNT_BYTES = 8;
/** Bytes of a posted signature: R8 compressed (32) and S (32). */
export const SIGNATURE_BYTES = 64;
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

/** Bytes one transfer takes in the posted batch data: from, to, amount, R8, S. */
export function transferBytes(treeDepth: number): number {
  return 2 * indexBytes(treeDepth) + AMOUNT_BYTES + SIGNATURE_BYTES;
}
