import { buildBatchWitness, loadL2Crypto, type BatchWitness, type L2Crypto } from "../l2/index.js";
import type { L2State, TransferToApply } from "../l2/state.js";
import { ProofGenerationError } from "./errors.js";
import type { BatchProof, Groth16Proof, ProofTimings } from "./types.js";
import { WorkerPool } from "./worker-pool.js";

/** The built circuit a prover proves with (ensureCircuit gives it). */
export interface ProverCircuit {
  readonly batchSize: number;
  readonly wasmPath: string;
  readonly zkeyPath: string;
  /** The snarkjs verification key JSON. */
  readonly verificationKey: unknown;
}

export interface BatchProverOptions {
  readonly circuit: ProverCircuit;
  /** The rollup's chain id, which every proof is bound to. */
  readonly chainId: bigint;
  /** Proofs that run at once, one per thread (default: one per core). */
  readonly threads?: number;
  /**
   * Whether each proof's multi-scalar multiplications stay on its own thread.
   * Default: yes when several threads prove at once (they would only compete
   * for the same cores), no for a single thread (it then uses every core).
   */
  readonly singleThreadPerProof?: boolean;
  /**
   * Prover processes shared with other provers (a miner proving for rollups
   * on several base chains runs one pool). The pool's owner closes it.
   */
  readonly pool?: WorkerPool;
}

export interface BatchProofResult extends BatchProof {
  readonly witness: BatchWitness;
  readonly timings: ProofTimings;
}

/** Proves batches of the rollup with snarkjs in prover processes (WorkerPool); several proofs run at once. */
export class BatchProver {
  private constructor(
    private readonly crypto: L2Crypto,
    private readonly pool: WorkerPool,
    private readonly options: BatchProverOptions,
    private readonly singleThread: boolean,
    private readonly ownsPool: boolean,
  ) {}

  static async create(options: BatchProverOptions): Promise<BatchProver> {
    const crypto = await loadL2Crypto();
    const pool = options.pool ?? new WorkerPool(options.threads);
    return new BatchProver(
      crypto,
      pool,
      options,
      options.singleThreadPerProof ?? pool.size > 1,
      options.pool === undefined,
    );
  }

  get threads(): number {
    return this.pool.size;
  }

  /**
   * Proves that applying the posted `transfers` to `state` gives the
   * witness's newStateRoot, bound to `proverAddress`. Transfers that break a
   * rule are proven skipped (the witness lists them); the state passed in is
   * never changed.
   */
  async prove(transfers: readonly TransferToApply[], state: L2State, proverAddress: string): Promise<BatchProofResult> {
    const witness = buildBatchWitness(this.crypto, {
      state,
      transfers,
      prover: proverAddress,
      chainId: this.options.chainId,
      batchSize: this.options.circuit.batchSize,
    });
    let reply: Record<string, unknown>;
    try {
      reply = await this.pool.run({
        kind: "prove",
        input: witness.input,
        wasmPath: this.options.circuit.wasmPath,
        zkeyPath: this.options.circuit.zkeyPath,
        singleThread: this.singleThread,
      });
    } catch (error) {
      throw new ProofGenerationError(
        `proving a batch of ${transfers.length} transfers from state root ${witness.oldStateRoot} failed`,
        error instanceof Error ? error.message : String(error),
      );
    }
    return {
      witness,
      proof: reply.proof as Groth16Proof,
      publicSignals: reply.publicSignals as string[],
      timings: {
        witnessSeconds: reply.witnessSeconds as number,
        proveSeconds: reply.proveSeconds as number,
        cpuSeconds: reply.cpuSeconds as number,
        peakRssMB: reply.peakRssMB as number,
      },
    };
  }

  /** Checks a proof against its public signals off-chain, with the circuit's verification key. */
  async verify(proof: BatchProof): Promise<boolean> {
    const reply = await this.pool.run({
      kind: "verify",
      verificationKey: this.options.circuit.verificationKey,
      publicSignals: proof.publicSignals,
      proof: proof.proof,
    });
    return reply.valid === true;
  }

  /** Stops the prover threads (unless the pool was given), pending proofs fail. */
  close(): Promise<void> {
    return this.ownsPool ? this.pool.close() : Promise.resolve();
  }
}
