import { keccak256, solidityPacked } from "ethers";

import { batchBytes, CHUNK_BYTES } from "./constants.js";
import { SNARK_SCALAR_FIELD, type PoseidonHash } from "./crypto.js";
import { countTransfers } from "./encoding.js";
import { BatchDataError } from "./errors.js";

/**
 * What binds a batch proof to the bytes posted on the base chain (the three
 * public inputs batchHash, dataPoint, dataEvaluation; docs/circuit.md says why):
 *   batchHash       Poseidon commitment to the data, which the circuit recomputes from the transfers it applies;
 *   dataPoint       z = keccak256(batchHash, data) mod p, computed by the contract from calldata;
 *   dataEvaluation  y = D(z), the data read as a polynomial (chainId, count, then the 31-byte chunks), evaluated
 *                   by the contract from calldata and by the circuit from its transfers.
 */
export interface BatchCommitment {
  readonly batchHash: bigint;
  readonly dataPoint: bigint;
  readonly dataEvaluation: bigint;
}

/** How many 31-byte chunks a batch of this circuit has: the data zero-padded to batchSize transfers. */
export function chunkCount(batchSize: number, treeDepth: number): number {
  return Math.ceil(batchBytes(batchSize, treeDepth) / CHUNK_BYTES);
}

/** The number of transfers in posted batch data, checked against the circuit's batch size. */
export function transferCount(data: Uint8Array, batchSize: number, treeDepth: number): number {
  const count = countTransfers(data, treeDepth);
  if (count > batchSize) {
    throw new BatchDataError(`batch holds ${count} transfers; the circuit's batch size is ${batchSize}`);
  }
  return count;
}

/** The data's 31-byte big-endian chunks (the last zero-filled on the right); padding chunks are left out. */
function chunks(data: Uint8Array): bigint[] {
  const out: bigint[] = [];
  for (let offset = 0; offset < data.length; offset += CHUNK_BYTES) {
    const chunk = new Uint8Array(CHUNK_BYTES);
    chunk.set(data.subarray(offset, offset + CHUNK_BYTES));
    out.push(BigInt("0x" + Buffer.from(chunk).toString("hex")));
  }
  return out;
}

/**
 * The batchHash, as the circuit computes it from the transfers it applies
 * (circuits/lib/batch-data.circom) and the sequencer posts it:
 *   h = Poseidon(chainId, count); for each 31-byte chunk c of the data zero-padded to batchSize transfers:
 *   h = Poseidon(h, c).
 */
export function batchHash(
  poseidon: PoseidonHash,
  chainId: bigint,
  data: Uint8Array,
  batchSize: number,
  treeDepth: number,
): bigint {
  return hashChunks(
    poseidon,
    chainId,
    transferCount(data, batchSize, treeDepth),
    data,
    chunkCount(batchSize, treeDepth),
  );
}

/** The Poseidon chain over the data's chunks, zero-padded to `padTo` chunks, seeded with (chainId, count). */
function hashChunks(poseidon: PoseidonHash, chainId: bigint, count: number, data: Uint8Array, padTo: number): bigint {
  const padded = chunks(data);
  padded.push(...Array.from({ length: padTo - padded.length }, () => 0n));
  return padded.reduce((hash, chunk) => poseidon([hash, chunk]), poseidon([chainId, BigInt(count)]));
}

/** z = keccak256(abi.encodePacked(uint256 batchHash, data)) mod p, as the contract derives it. */
export function dataPoint(hash: bigint, data: Uint8Array): bigint {
  return BigInt(keccak256(solidityPacked(["uint256", "bytes"], [hash, data]))) % SNARK_SCALAR_FIELD;
}

/** y = chainId + count z + sum_j chunk_j z^(j + 2) mod p, as the contract and the circuit evaluate it. */
export function dataEvaluation(chainId: bigint, count: number, data: Uint8Array, point: bigint): bigint {
  const p = SNARK_SCALAR_FIELD;
  let power = point;
  let value = (chainId + BigInt(count) * point) % p;
  for (const chunk of chunks(data)) {
    power = (power * point) % p;
    value = (value + chunk * power) % p;
  }
  return value;
}

/** The batch's three public inputs, for data posted with its true batchHash. */
export function batchCommitment(
  poseidon: PoseidonHash,
  chainId: bigint,
  data: Uint8Array,
  batchSize: number,
  treeDepth: number,
): BatchCommitment {
  const count = transferCount(data, batchSize, treeDepth);
  const hash = hashChunks(poseidon, chainId, count, data, chunkCount(batchSize, treeDepth));
  const point = dataPoint(hash, data);
  return { batchHash: hash, dataPoint: point, dataEvaluation: dataEvaluation(chainId, count, data, point) };
}
