/**
 * The circuit refused a witness that the L2 model accepted, or snarkjs failed.
 * A batch the model refuses never gets here: buildBatchWitness throws
 * InvalidTransactionError (which transfer, which rule) before any proving.
 */
export class ProofGenerationError extends Error {
  constructor(
    message: string,
    /** What circom or snarkjs said, with the failing template's trace. */
    readonly detail: string,
  ) {
    super(`${message}: ${detail}`);
    this.name = "ProofGenerationError";
  }
}
