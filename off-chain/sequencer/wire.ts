import { z } from "zod";

import { MAX_WORD, type SignedTransfer } from "../l2/index.js";

// The sequencer's HTTP API speaks JSON: bigints travel as decimal strings,
// signature words as 0x-prefixed 32-byte hex. The wallet and the sequencer
// share these schemas, so both read a transfer the same way.

const decimal = z.string().regex(/^\d{1,78}$/, "must be a decimal string of digits (a whole number)");
const word = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, "must be 0x followed by 64 hex digits (a 32-byte word)")
  .refine((value) => BigInt(value) <= MAX_WORD);
/** An account index as posted: at most 4 bytes. */
const index = z
  .number()
  .int("must be a whole number")
  .min(0)
  .max(2 ** 32 - 1);

/** A signed L2 transfer as POST /transfers takes it. */
export const transferBodySchema = z
  .object({
    from: index,
    to: index,
    /** In the L2's units; a uint64. */
    amount: decimal,
    /** The sender's nonce the signature is over. */
    nonce: decimal,
    /** EdDSA-Poseidon signature as posted: R8 compressed, and S. */
    signature: z.object({ R8: word, S: word }).strict(),
  })
  .strict();

export type TransferBody = z.infer<typeof transferBodySchema>;

export function toTransferBody(transfer: SignedTransfer): TransferBody {
  const hex = (value: bigint) => "0x" + value.toString(16).padStart(64, "0");
  return {
    from: transfer.from,
    to: transfer.to,
    amount: transfer.amount.toString(),
    nonce: transfer.nonce.toString(),
    signature: { R8: hex(transfer.signature.R8), S: hex(transfer.signature.S) },
  };
}

export function fromTransferBody(body: TransferBody): SignedTransfer {
  return {
    from: body.from,
    to: body.to,
    amount: BigInt(body.amount),
    nonce: BigInt(body.nonce),
    signature: { R8: BigInt(body.signature.R8), S: BigInt(body.signature.S) },
  };
}

/** A transfer's id: its signed message, Poseidon(chainId, from, to, amount, nonce), as 0x-hex. */
export function transferId(message: bigint): string {
  return "0x" + message.toString(16).padStart(64, "0");
}

export const transferIdSchema = z.string().regex(/^0x[0-9a-f]{64}$/, "must be a transfer id: 0x and 64 lowercase hex");

/** Where a transfer stands: accepted and waiting, posted on the base chain (final), or proven there. */
export type TransferStatus = "pending" | "posted" | "verified";

export interface TransferView {
  readonly id: string;
  readonly from: number;
  readonly to: number;
  readonly amount: string;
  readonly nonce: string;
  readonly status: TransferStatus;
  readonly acceptedAt: string;
  /** Once posted: the batch's number on the rollup, its sequence, and the posting transaction. */
  readonly batch?: string;
  readonly sequence?: string;
  readonly txHash?: string;
  readonly blockNumber?: string;
}

export interface AccountBalance {
  readonly balance: string;
  readonly nonce: string;
}

export interface AccountView {
  readonly index: number;
  readonly publicKey: { readonly x: string; readonly y: string };
  /** After every transfer the sequencer accepted. */
  readonly pending: AccountBalance;
  /** After the last batch verified on the base chain (as deep as the sequencer's confirmations). */
  readonly verified: AccountBalance;
}

export interface RollupStateView {
  readonly baseChainId: string;
  readonly rollup: string;
  readonly rollupChainId: string;
  readonly circuit: string;
  readonly batchSize: number;
  readonly treeDepth: number;
  readonly maxBatchesPerSequence: number;
  readonly batchFee: string;
  readonly sequencer: string;
  /** The rollup's last posted and last verified batch (at the sequencer's confirmations). */
  readonly lastBatch: string;
  readonly lastVerifiedBatch: string;
  /** The verified state root on chain, and the root after every accepted transfer. */
  readonly verifiedStateRoot: string;
  readonly pendingStateRoot: string;
  /** Accepted transfers not yet posted (final on chain): in the mempool, in a batch, or in a posting in flight. */
  readonly pendingTransfers: number;
  /** Batches sealed and not yet posted, and whether a posting transaction is in flight. */
  readonly unpostedBatches: number;
  readonly postingInFlight: boolean;
}

/** A refusal, as every error response of the API carries it. */
export interface ApiErrorBody {
  readonly code: string;
  readonly message: string;
}
