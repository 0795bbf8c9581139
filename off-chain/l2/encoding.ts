import { INDEX_BYTES, MAX_BALANCE, TRANSFER_BYTES } from "./constants.js";
import { BatchDataError } from "./errors.js";

/** What the sequencer posts of a transfer: no nonce (it is in the state) and no signature (it is proven). */
export interface PostedTransfer {
  readonly from: number;
  readonly to: number;
  readonly amount: bigint;
}

const MAX_INDEX = 2 ** (8 * INDEX_BYTES) - 1;

/** The compact batch data the sequencer posts: TRANSFER_BYTES per transfer, from | to | amount, big-endian. */
export function encodeBatchData(transfers: readonly PostedTransfer[]): Uint8Array {
  const data = new Uint8Array(transfers.length * TRANSFER_BYTES);
  const view = new DataView(data.buffer);
  transfers.forEach((transfer, i) => {
    if (!Number.isInteger(transfer.from) || transfer.from < 0 || transfer.from > MAX_INDEX) {
      throw new BatchDataError(`transfer ${i}: from index ${transfer.from} is not a uint32`);
    }
    if (!Number.isInteger(transfer.to) || transfer.to < 0 || transfer.to > MAX_INDEX) {
      throw new BatchDataError(`transfer ${i}: to index ${transfer.to} is not a uint32`);
    }
    if (transfer.amount < 0n || transfer.amount > MAX_BALANCE) {
      throw new BatchDataError(`transfer ${i}: amount ${transfer.amount} is not a uint64`);
    }
    const offset = i * TRANSFER_BYTES;
    view.setUint32(offset, transfer.from);
    view.setUint32(offset + INDEX_BYTES, transfer.to);
    view.setBigUint64(offset + 2 * INDEX_BYTES, transfer.amount);
  });
  return data;
}

/** The number of transfers in posted batch data; fails on a length that is not whole transfers. */
export function countTransfers(data: Uint8Array): number {
  if (data.length % TRANSFER_BYTES !== 0) {
    throw new BatchDataError(
      `batch data is ${data.length} bytes, not a whole number of ${TRANSFER_BYTES}-byte transfers`,
    );
  }
  return data.length / TRANSFER_BYTES;
}

/** Reads posted batch data back; fails on a length that is not whole transfers. */
export function decodeBatchData(data: Uint8Array): PostedTransfer[] {
  countTransfers(data);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const transfers: PostedTransfer[] = [];
  for (let offset = 0; offset < data.length; offset += TRANSFER_BYTES) {
    transfers.push({
      from: view.getUint32(offset),
      to: view.getUint32(offset + INDEX_BYTES),
      amount: view.getBigUint64(offset + 2 * INDEX_BYTES),
    });
  }
  return transfers;
}
