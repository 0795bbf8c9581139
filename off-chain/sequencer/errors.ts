import type { TransactionRule } from "../l2/index.js";

/** Every code an error response of the sequencer's API carries (docs/sequencer.md lists them). */
export type RefusalCode =
  | "INVALID_REQUEST"
  | "INDEX_OUT_OF_RANGE"
  | "UNKNOWN_ACCOUNT"
  | "BAD_SIGNATURE"
  | "BAD_NONCE"
  | "OVERDRAFT"
  | "BALANCE_OVERFLOW"
  | "AMOUNT_OUT_OF_RANGE"
  | "DUPLICATE_TRANSFER"
  | "MEMPOOL_FULL"
  | "UNKNOWN_TRANSFER"
  | "NOT_FOUND"
  | "INTERNAL_ERROR";

/** A request the sequencer refuses: the HTTP status and a code a program can act on. */
export class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: RefusalCode,
    message: string,
  ) {
    super(message);
    this.name = "Refusal";
  }
}

/** The L2 rule a transfer breaks, as the API's code: the same rules a prover would skip it for. */
export const RULE_CODES: Readonly<Record<TransactionRule, RefusalCode>> = {
  "index-out-of-range": "INDEX_OUT_OF_RANGE",
  "no-such-account": "UNKNOWN_ACCOUNT",
  "bad-signature": "BAD_SIGNATURE",
  "wrong-nonce": "BAD_NONCE",
  overdraft: "OVERDRAFT",
  "balance-overflow": "BALANCE_OVERFLOW",
  "amount-out-of-range": "AMOUNT_OUT_OF_RANGE",
};
