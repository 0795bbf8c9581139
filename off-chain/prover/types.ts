/** A Groth16 proof as snarkjs gives it (decimal strings; pi_b's pairs are [c0, c1]). */
export interface Groth16Proof {
  readonly pi_a: readonly string[];
  readonly pi_b: readonly (readonly string[])[];
  readonly pi_c: readonly string[];
  readonly protocol: string;
  readonly curve: string;
}

/** A proof of one batch with its public signals (PUBLIC_SIGNALS's order). */
export interface BatchProof {
  readonly proof: Groth16Proof;
  readonly publicSignals: readonly string[];
}

/** What one proof cost in its prover process. */
export interface ProofTimings {
  readonly witnessSeconds: number;
  readonly proveSeconds: number;
  /** CPU time of all the prover process's threads for this proof. */
  readonly cpuSeconds: number;
  /** The prover process's peak resident memory so far, in MB. */
  readonly peakRssMB: number;
}
