import { buildBatchWitness, loadL2Crypto, type BatchWitness, type L2Crypto } from "../l2/index.js";
import type { PostedBatch } from "../l2/encoding.js";
import type { L2State } from "../l2/state.js";
import { signalsMatch } from "./backend.js";
import { ProofGenerationError } from "./errors.js";
import { sha256File } from "../circuits/files.js";
import { LocalBackend } from "./local-backend.js";
import { ProofScheduler } from "./scheduler.js";
import type { BatchProof, ProofTimings } from "./types.js";
import { WorkerPool } from "./worker-pool.js";

/** The built circuit a prover proves with (ensureCircuit gives it). */
export interface ProverCircuit {
  readonly batchSize: number;
  readonly wasmPath: string;
  readonly zkeyPath: string;
  /** The zkey's sha256, which names the circuit to remote provers (computed from the file when absent). */
  readonly zkeySha256?: string;
  /** The snarkjs verification key JSON. */
  readonly verificationKey: unknown;
}

export interface BatchProverOptions {
  readonly circuit: ProverCircuit;
  /** The rollup's chain id, which every proof is bound to. */
  readonly chainId: bigint;
  /** Proofs that run at once, one per process (default: one per core); unused with `scheduler` or `pool`. */
  readonly threads?: number;
  /**
   * Whether each proof's multi-scalar multiplications stay on its own thread.
   * Default: yes when several processes prove at once (they would only compete
   * for the same cores), no for a single one (it then uses every core).
   */
  readonly singleThreadPerProof?: boolean;
  /** Prover processes shared with other provers; the pool's owner closes it. */
  readonly pool?: WorkerPool;
  /**
   * The scheduler proofs go to (a miner's: shared by its chains, over its own processes and its remote provers),
   * with `verifier`, the process that checks every proof. Their owner closes both.
   */
  readonly scheduler?: ProofScheduler;
  readonly verifier?: WorkerPool;
}

export interface BatchProofResult extends BatchProof {
  readonly witness: BatchWitness;
  readonly timings: ProofTimings;
  /** Who proved it: "local" or a remote prover's id. */
  readonly prover: string;
}

/**
 * Proves batches of the rollup: builds each batch's witness input from the L2
 * model and hands it to a ProofScheduler (by default one of its own over a
 * WorkerPool of snarkjs processes); several proofs run at once.
 */
export class BatchProver {
  private constructor(
    private readonly crypto: L2Crypto,
    private readonly scheduler: ProofScheduler,
    private readonly verifier: WorkerPool,
    private readonly options: BatchProverOptions,
    private readonly zkeySha256: string,
    private readonly owned: { readonly scheduler: boolean },
  ) {}

  static async create(options: BatchProverOptions): Promise<BatchProver> {
    const crypto = await loadL2Crypto();
    const { circuit } = options;
    const zkeySha256 = circuit.zkeySha256 ?? (await sha256File(circuit.zkeyPath));
    if (options.scheduler !== undefined) {
      if (options.verifier === undefined) throw new Error("a BatchProver given a scheduler needs its verifier too");
      return new BatchProver(crypto, options.scheduler, options.verifier, options, zkeySha256, { scheduler: false });
    }
    const pool = options.pool ?? new WorkerPool(options.threads);
    const local = new LocalBackend(pool, {
      circuits: [{ zkeySha256, wasmPath: circuit.wasmPath, zkeyPath: circuit.zkeyPath }],
      singleThreadPerProof: options.singleThreadPerProof,
      closesPool: options.pool === undefined,
    });
    return new BatchProver(crypto, new ProofScheduler([local]), pool, options, zkeySha256, { scheduler: true });
  }

  /** The zkey's sha256: what remote provers must hold. */
  get circuitSha256(): string {
    return this.zkeySha256;
  }

  /**
   * Proves that applying the posted `batch` to `state` gives the
   * witness's newStateRoot, bound to `proverAddress`. Transfers that break a
   * rule are proven skipped (the witness lists them); the state passed in is
   * never changed. `priority` orders it among waiting proofs (lower first).
   */
  async prove(
    batch: PostedBatch,
    state: L2State,
    proverAddress: string,
    priority = 0n,
    label = "a batch",
  ): Promise<BatchProofResult> {
    const witness = buildBatchWitness(this.crypto, {
      state,
      batch,
      prover: proverAddress,
      chainId: this.options.chainId,
      batchSize: this.options.circuit.batchSize,
    });
    const publicSignals = witness.publicSignals.map(String);
    try {
      const job = { zkeySha256: this.zkeySha256, input: witness.input, priority, label, publicSignals };
      const reply = await this.scheduler.prove(job);
      // The hub refuses a remote proof of other signals; this also holds the miner's own processes to it.
      if (!signalsMatch(job, reply.publicSignals)) {
        throw new Error(
          `${reply.prover} returned a proof of public signals [${reply.publicSignals.join(", ")}], ` +
            `not the witness's [${publicSignals.join(", ")}]`,
        );
      }
      return { witness, ...reply };
    } catch (error) {
      throw new ProofGenerationError(
        `proving a batch of ${batch.transfers.length} transfers from state root ${witness.oldStateRoot} failed`,
        error instanceof Error ? error.message : String(error),
      );
    }
  }

  /** Checks a proof against its public signals off-chain, with the circuit's verification key. */
  async verify(proof: BatchProof): Promise<boolean> {
    return verifyProof(this.verifier, this.options.circuit.verificationKey, proof);
  }

  /** Stops what it started (its own scheduler, and its processes unless the pool was given); pending proofs fail. */
  async close(): Promise<void> {
    if (this.owned.scheduler) await this.scheduler.close();
  }
}

/** Checks a proof with a verification key in one of `pool`'s processes. */
export async function verifyProof(pool: WorkerPool, verificationKey: unknown, proof: BatchProof): Promise<boolean> {
  const reply = await pool.run({
    kind: "verify",
    verificationKey,
    publicSignals: proof.publicSignals,
    proof: proof.proof,
  });
  return reply.valid === true;
}
