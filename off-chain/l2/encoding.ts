import { AGGREGATE_S_BYTES, AMOUNT_BYTES, batchBytes, indexBytes, MAX_BALANCE, transferBytes } from "./constants.js";
import { BatchDataError } from "./errors.js";
import { MAX_WORD } from "./signature.js";

/**
 * A transfer as the sequencer posts it: everything a prover needs besides the
 * state (the nonce is the sender's current one, so it is not posted) and the
 * batch's aggregate S.
 */
export interface PostedTransfer {
  readonly from: number;
  readonly to: number;
  readonly amount: bigint;
  /** The R8 of the sender's signature, compressed (see PostedSignature). */
  readonly R8: bigint;
}

/** A batch as posted: its transfers and the half-aggregate S of their signatures (off-chain/l2/aggregate.ts). */
export interface PostedBatch {
  readonly aggregateS: bigint;
  readonly transfers: readonly PostedTransfer[];
}

/**
 * The batch data the sequencer posts: the aggregate S (32 bytes), then
 * transferBytes(treeDepth) per transfer: from | to (indexBytes(treeDepth)
 * each) | amount (uint64) | R8 (32), all big-endian.
 */
export function encodeBatchData(batch: PostedBatch, treeDepth: number): Uint8Array {
  const { transfers, aggregateS } = batch;
  const width = indexBytes(treeDepth);
  const size = transferBytes(treeDepth);
  const maxIndex = 2 ** (8 * width) - 1;
  if (aggregateS < 0n || aggregateS > MAX_WORD) throw new BatchDataError("the aggregate S is not 32 bytes");
  const data = new Uint8Array(batchBytes(transfers.length, treeDepth));
  writeUint(data, 0, aggregateS, AGGREGATE_S_BYTES);
  transfers.forEach((transfer, i) => {
    for (const [field, index] of [
      ["from", transfer.from],
      ["to", transfer.to],
    ] as const) {
      if (!Number.isInteger(index) || index < 0 || index > maxIndex) {
        throw new BatchDataError(`transfer ${i}: ${field} index ${index} does not fit ${width} bytes`);
      }
    }
    if (transfer.amount < 0n || transfer.amount > MAX_BALANCE) {
      throw new BatchDataError(`transfer ${i}: amount ${transfer.amount} is not a uint64`);
    }
    if (transfer.R8 < 0n || transfer.R8 > MAX_WORD) throw new BatchDataError(`transfer ${i}: R8 is not 32 bytes`);
    let offset = AGGREGATE_S_BYTES + i * size;
    offset = writeUint(data, offset, BigInt(transfer.from), width);
    offset = writeUint(data, offset, BigInt(transfer.to), width);
    offset = writeUint(data, offset, transfer.amount, AMOUNT_BYTES);
    writeUint(data, offset, transfer.R8, 32);
  });
  return data;
}

/** The number of transfers in posted batch data; fails on a length that is not the aggregate S and whole transfers. */
export function countTransfers(data: Uint8Array, treeDepth: number): number {
  const size = transferBytes(treeDepth);
  if (data.length < AGGREGATE_S_BYTES || (data.length - AGGREGATE_S_BYTES) % size !== 0) {
    throw new BatchDataError(
      `batch data is ${data.length} bytes, not a ${AGGREGATE_S_BYTES}-byte aggregate S and whole ${size}-byte transfers`,
    );
  }
  return (data.length - AGGREGATE_S_BYTES) / size;
}

/** Reads posted batch data back; fails on a length that is not the aggregate S and whole transfers. */
export function decodeBatchData(data: Uint8Array, treeDepth: number): PostedBatch {
  const count = countTransfers(data, treeDepth);
  const width = indexBytes(treeDepth);
  const size = transferBytes(treeDepth);
  const transfers = Array.from({ length: count }, (_, i) => {
    const at = AGGREGATE_S_BYTES + i * size;
    const field = (offset: number, bytes: number): bigint => readUint(data, at + offset, bytes);
    return {
      from: Number(field(0, width)),
      to: Number(field(width, width)),
      amount: field(2 * width, AMOUNT_BYTES),
      R8: field(2 * width + AMOUNT_BYTES, 32),
    };
  });
  return { aggregateS: readUint(data, 0, AGGREGATE_S_BYTES), transfers };
}

function writeUint(data: Uint8Array, offset: number, value: bigint, bytes: number): number {
  let rest = value;
  for (let i = bytes - 1; i >= 0; i--) {
    data[offset + i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return offset + bytes;
}

function readUint(data: Uint8Array, offset: number, bytes: number): bigint {
  let value = 0n;
  for (let i = 0; i < bytes; i++) value = (value << 8n) | BigInt(data[offset + i] ?? 0);
  return value;
}
