import { CHUNK_BYTES, TRANSFER_BYTES } from "./constants.js";
import type { PoseidonHash } from "./crypto.js";
import { countTransfers } from "./encoding.js";
import { BatchDataError } from "./errors.js";

/** How many 31-byte chunks the batchHash reads for a batch size: the data is zero-padded to full size. */
export function chunkCount(batchSize: number): number {
  return Math.ceil((batchSize * TRANSFER_BYTES) / CHUNK_BYTES);
}

/** The number of transfers in posted batch data, checked against the circuit's batch size. */
export function transferCount(data: Uint8Array, batchSize: number): number {
  const count = countTransfers(data);
  if (count > batchSize) {
    throw new BatchDataError(`batch holds ${count} transfers; the circuit's batch size is ${batchSize}`);
  }
  return count;
}

/**
 * The commitment to a batch's posted data, as the contract computes it from
 * calldata and the circuit from the transfers it applies (see
 * circuits/lib/batch-hash.circom):
 *   h = Poseidon(chainId, count); for each 31-byte big-endian chunk c of the
 *   data zero-padded to batchSize transfers: h = Poseidon(h, c).
 */
export function batchHash(poseidon: PoseidonHash, chainId: bigint, data: Uint8Array, batchSize: number): bigint {
  const count = transferCount(data, batchSize);
  const padded = new Uint8Array(chunkCount(batchSize) * CHUNK_BYTES);
  padded.set(data);
  let hash = poseidon([chainId, BigInt(count)]);
  for (let offset = 0; offset < padded.length; offset += CHUNK_BYTES) {
    const chunk = BigInt("0x" + Buffer.from(padded.subarray(offset, offset + CHUNK_BYTES)).toString("hex"));
    hash = poseidon([hash, chunk]);
  }
  return hash;
}
