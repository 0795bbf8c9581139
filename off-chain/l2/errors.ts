/** Which rule of the L2 a transaction broke. */
export type TransactionRule =
  | "index-out-of-range"
  | "no-such-account"
  | "bad-signature"
  | "wrong-nonce"
  | "overdraft"
  | "balance-overflow"
  | "amount-out-of-range";

/** A posted transfer that the L2 skipped: it is proven invalid and changes nothing. */
export interface SkippedTransfer {
  /** Position of the transfer in its batch. */
  readonly index: number;
  readonly rule: TransactionRule;
  readonly detail: string;
}

/** A transaction the L2 refuses (the sequencer refuses it at its door; posted, it would be skipped). */
export class InvalidTransactionError extends Error {
  constructor(
    /** Position of the transaction in its batch. */
    readonly index: number,
    readonly rule: TransactionRule,
    detail: string,
  ) {
    super(`transaction ${index} of the batch is invalid (${rule}): ${detail}`);
    this.name = "InvalidTransactionError";
  }
}

/** Malformed posted batch data or a batch that does not fit the circuit. */
export class BatchDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BatchDataError";
  }
}
