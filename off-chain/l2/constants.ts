// The widths of the posted transaction encoding. circuits/lib/transfer.circom
// (INDEX_BITS, AMOUNT_BITS) and contracts/libraries/BatchHash.sol use the same.

/** Bytes of an account index (uint32, big-endian). */
export const INDEX_BYTES = 4;
/** Bytes of an amount (uint64, big-endian); every balance is a uint64 too. */
export const AMOUNT_BYTES = 8;
/** Bytes one transfer takes in the posted batch data: from, to, amount. */
export const TRANSFER_BYTES = 2 * INDEX_BYTES + AMOUNT_BYTES;
/** Bytes of batch data per field element hashed into the batchHash. */
export const CHUNK_BYTES = 31;
/** The largest balance or amount: balances are uint64. */
export const MAX_BALANCE = (1n << 64n) - 1n;
/** The deepest state tree the uint32 account indices can address. */
export const MAX_TREE_DEPTH = 32;
