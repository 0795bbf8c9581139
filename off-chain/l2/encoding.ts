import { AMOUNT_BYTES, indexBytes, MAX_BALANCE, transferBytes } from "./constants.js";
import { BatchDataError } from "./errors.js";
import { MAX_WORD, type PostedSignature } from "./signature.js";

/**
 * A transfer as the sequencer posts it: everything a prover needs besides the
 * state (the nonce is the sender's current one, so it is not posted).
 */
export interface PostedTransfer {
  readonly from: number;
  readonly to: number;
  readonly amount: bigint;
  readonly signature: PostedSignature;
}

/**
 * The batch data the sequencer posts, transferBytes(treeDepth) per transfer:
 * from | to (indexBytes(treeDepth) each) | amount (uint64) | R8 (32) | S (32), all big-endian.
 */
export function encodeBatchData(transfers: readonly PostedTransfer[], treeDepth: number): Uint8Array {
  const width = indexBytes(treeDepth);
  const size = transferBytes(treeDepth);
  const maxIndex = 2 ** (8 * width) - 1;
  const data = new Uint8Array(transfers.length * size);
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
    for (const [field, word] of [
      ["R8", transfer.signature.R8],
      ["S", transfer.signature.S],
    ] as const) {
      if (word < 0n || word > MAX_WORD) throw new BatchDataError(`transfer ${i}: signature ${field} is not 32 bytes`);
    }
    let offset = i * size;
    offset = writeUint(data, offset, BigInt(transfer.from), width);
    offset = writeUint(data, offset, BigInt(transfer.to), width);
    offset = writeUint(data, offset, transfer.amount, AMOUNT_BYTES);
    offset = writeUint(data, offset, transfer.signature.R8, 32);
    writeUint(data, offset, transfer.signature.S, 32);
  });
  return data;
}

/** The number of transfers in posted batch data; fails on a length that is not whole transfers. */
export function countTransfers(data: Uint8Array, treeDepth: number): number {
  const size = transferBytes(treeDepth);
  if (data.length % size !== 0) {
    throw new BatchDataError(`batch data is ${data.length} bytes, not a whole number of ${size}-byte transfers`);
  }
  return data.length / size;
}

/** Reads posted batch data back; fails on a length that is not whole transfers. */
export function decodeBatchData(data: Uint8Array, treeDepth: number): PostedTransfer[] {
  const count = countTransfers(data, treeDepth);
  const width = indexBytes(treeDepth);
  const size = transferBytes(treeDepth);
  return Array.from({ length: count }, (_, i) => {
    const at = i * size;
    const field = (offset: number, bytes: number): bigint => readUint(data, at + offset, bytes);
    return {
      from: Number(field(0, width)),
      to: Number(field(width, width)),
      amount: field(2 * width, AMOUNT_BYTES),
      signature: { R8: field(2 * width + AMOUNT_BYTES, 32), S: field(2 * width + AMOUNT_BYTES + 32, 32) },
    };
  });
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
