/** A Groth16 proof as snarkjs gives it (decimal strings; pi_b's pairs are [c0, c1]). */
export interface Groth16Proof {
  readonly pi_a: readonly string[];
  readonly pi_b: readonly (readonly string[])[];
  readonly pi_c: readonly string[];
  readonly protocol: string;
  readonly curve: string;
}

/** A proof of one batch with its public signals: oldStateRoot, newStateRoot, batchHash, prover. */
export interface BatchProof {
  readonly proof: Groth16Proof;
  readonly publicSignals: readonly string[];
}

/** How long the parts of one proof took, in seconds. */
export interface ProofTimings {
  readonly witnessSeconds: number;
  readonly proveSeconds: number;
}
