import type { Groth16Proof, ProofTimings } from "./types.js";

/** One batch proof to compute: the circuit (by its zkey's sha256) and the circuit's input. */
export interface ProveJob {
  readonly zkeySha256: string;
  /** The circuit's input (buildBatchWitness's `input`): the witness is computed from it with the circuit's wasm. */
  readonly input: Readonly<Record<string, unknown>>;
  /** Lower runs first (the Proof Generator gives the sequence number: lower sequences gate the ones after them). */
  readonly priority: bigint;
  /** For logs: which chain, sequence and batch. */
  readonly label: string;
  /**
   * The public signals the proof must carry, as the miner computed them with its witness. A remote prover's proof
   * of any other statement (another miner's address, another batch), valid or not, is refused.
   */
  readonly publicSignals?: readonly string[];
}

/** Whether a proof's public signals are the ones its job expects (true when the job names none). */
export function signalsMatch(job: ProveJob, publicSignals: readonly string[]): boolean {
  const expected = job.publicSignals;
  if (expected === undefined) return true;
  return expected.length === publicSignals.length && expected.every((signal, i) => signal === publicSignals[i]);
}

export interface ProveReply {
  readonly proof: Groth16Proof;
  readonly publicSignals: readonly string[];
  readonly timings: ProofTimings;
  /** Who proved it: "local" or a remote prover's id. */
  readonly prover: string;
}

/**
 * Somewhere proofs run: the miner's own prover processes (LocalBackend) or
 * the prover machines connected to its hub (ProverHub). The scheduler gives a
 * backend a job only when it has a free slot for the job's circuit.
 */
export interface ProofBackend {
  readonly name: string;
  /** Proofs of this circuit the backend could start now. */
  free(zkeySha256: string): number;
  /** All its slots, busy or not. */
  slots(): number;
  /**
   * Proves the job. Rejects with ProverLostError when the slot went away
   * under the job (a prover disconnected, missed its deadline or returned an
   * invalid proof): the job is sound and the scheduler runs it elsewhere.
   * Any other rejection is the job's own failure. `signal` aborting stops the proof where the backend can.
   */
  prove(job: ProveJob, signal?: AbortSignal): Promise<ProveReply>;
  /** Calls `listener` when slots appear other than by a job ending (a prover connected). */
  onSlots?(listener: () => void): void;
  close(): Promise<void>;
}

/** The prover running a job went away (see ProofBackend.prove); the job can run elsewhere. */
export class ProverLostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProverLostError";
  }
}
