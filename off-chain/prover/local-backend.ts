import { ProverLostError, type ProofBackend, type ProveJob, type ProveReply } from "./backend.js";
import type { Groth16Proof } from "./types.js";
import type { WorkerPool } from "./worker-pool.js";

/** A circuit a backend proves with: its witness generator and zkey, known by the zkey's sha256. */
export interface ProvingCircuit {
  readonly zkeySha256: string;
  readonly wasmPath: string;
  readonly zkeyPath: string;
}

export interface LocalBackendOptions {
  readonly circuits: readonly ProvingCircuit[];
  /**
   * Whether each proof's multi-scalar multiplications stay on its own process's main thread. Default: yes when
   * several processes prove at once (they would only compete for the same cores), no for one.
   */
  readonly singleThreadPerProof?: boolean;
  /**
   * An external Groth16 prover with rapidsnark's command line (`prover <zkey> <wtns> <proof.json> <public.json>`)
   * instead of snarkjs; the witness is still computed from the circuit's wasm.
   */
  readonly proverBinary?: string;
  /** Whether close() closes the pool (default yes; no for a pool its owner shares and closes). */
  readonly closesPool?: boolean;
}

/** The miner's (or a prover machine's) own prover processes as a backend: one proof per process at a time. */
export class LocalBackend implements ProofBackend {
  readonly name = "local";
  private running = 0;
  private readonly circuits: ReadonlyMap<string, ProvingCircuit>;
  private readonly singleThread: boolean;

  constructor(
    private readonly pool: WorkerPool,
    private readonly options: LocalBackendOptions,
  ) {
    this.circuits = new Map(options.circuits.map((circuit) => [circuit.zkeySha256, circuit]));
    this.singleThread = options.singleThreadPerProof ?? pool.size > 1;
  }

  free(zkeySha256: string): number {
    return this.circuits.has(zkeySha256) ? Math.max(0, this.pool.size - this.running) : 0;
  }

  slots(): number {
    return this.pool.size;
  }

  async prove(job: ProveJob, signal?: AbortSignal): Promise<ProveReply> {
    const circuit = this.circuits.get(job.zkeySha256);
    if (circuit === undefined) throw new Error(`${job.label}: no circuit with zkey sha256 ${job.zkeySha256} here`);
    this.running += 1;
    try {
      const reply = await this.pool.run(
        {
          kind: "prove",
          input: job.input,
          wasmPath: circuit.wasmPath,
          zkeyPath: circuit.zkeyPath,
          singleThread: this.singleThread,
          proverBinary: this.options.proverBinary,
        },
        signal,
      );
      return {
        proof: reply.proof as Groth16Proof,
        publicSignals: reply.publicSignals as string[],
        timings: {
          witnessSeconds: reply.witnessSeconds as number,
          proveSeconds: reply.proveSeconds as number,
          cpuSeconds: reply.cpuSeconds as number,
          peakRssMB: reply.peakRssMB as number,
        },
        prover: this.name,
      };
    } catch (error) {
      // A prover process that died under the job is a lost slot, not a bad job: tinypool replaces the process.
      if (error instanceof Error && error.message.startsWith("the prover process exited")) {
        throw new ProverLostError(`${job.label}: ${error.message}`);
      }
      throw error;
    } finally {
      this.running -= 1;
    }
  }

  close(): Promise<void> {
    return this.options.closesPool === false ? Promise.resolve() : this.pool.close();
  }
}
