import type { PoseidonHash } from "./crypto.js";
import type { PostedTransfer } from "./encoding.js";
import type { L2Key } from "./keys.js";
import type { PostedSignature } from "./signature.js";

/** A transfer as its sender signs it: the posted fields and the sender's nonce. */
export interface UnsignedTransfer {
  readonly from: number;
  readonly to: number;
  readonly amount: bigint;
  readonly nonce: bigint;
}

/**
 * A signed transfer, as the sender sends it to the sequencer: the fields, the
 * nonce its sender signed (not posted: the state holds it) and the whole
 * signature (only R8 is posted; S goes into the batch's aggregate).
 */
export interface SignedTransfer extends UnsignedTransfer {
  readonly signature: PostedSignature;
}

/** What a transfer posts of itself (its S goes into the batch's aggregate S). */
export function postedTransfer(transfer: {
  readonly from: number;
  readonly to: number;
  readonly amount: bigint;
  readonly signature: PostedSignature;
}): PostedTransfer {
  return { from: transfer.from, to: transfer.to, amount: transfer.amount, R8: transfer.signature.R8 };
}

/**
 * What the sender signs: Poseidon(chainId, from, to, amount, nonce). The
 * rollup's chain id keeps a transfer from being replayed on another rollup;
 * the nonce keeps it from being replayed on this one.
 */
export function transferMessage(poseidon: PoseidonHash, chainId: bigint, transfer: UnsignedTransfer): bigint {
  return poseidon([chainId, BigInt(transfer.from), BigInt(transfer.to), transfer.amount, transfer.nonce]);
}

export function signTransfer(
  poseidon: PoseidonHash,
  key: L2Key,
  chainId: bigint,
  transfer: UnsignedTransfer,
): SignedTransfer {
  return { ...transfer, signature: key.sign(transferMessage(poseidon, chainId, transfer)) };
}
