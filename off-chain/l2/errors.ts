/** Which rule of the L2 a transaction broke. */
export type TransactionRule =
  | "index-out-of-range"
  | "no-such-account"
  | "bad-signature"
  | "wrong-nonce"
  | "overdraft"
  | "balance-overflow"
  | "amount-out-of-range";

/**
 * A transaction in a batch that cannot be applied. Applying a batch is
 * all-or-nothing: when this is thrown, the state is as it was before the batch.
 */
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
