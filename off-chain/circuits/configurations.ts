/**
 * One instantiation of `template Batch(batchSize, depth)` that gets its own
 * compile, Groth16 setup and verifier contract.
 */
export interface CircuitConfig {
  /** Short id, used for cache folders and `--only`: b<batchSize>d<treeDepth>. */
  readonly name: string;
  /** Transfer slots per proof. */
  readonly batchSize: number;
  /** Depth of the account Merkle tree (2^depth accounts). */
  readonly treeDepth: number;
  /** The Solidity contract generated for it in contracts/verifiers/. */
  readonly verifierName: string;
}

function config(batchSize: number, treeDepth: number): CircuitConfig {
  return {
    name: `b${batchSize}d${treeDepth}`,
    batchSize,
    treeDepth,
    verifierName: `BatchVerifierB${batchSize}D${treeDepth}`,
  };
}

/**
 * Every configuration the project builds. Each costs a setup of minutes on a
 * cold cache, so the list stays short; all fit the shared 2^16 ptau (b4d4 is
 * about 40.7k constraints).
 */
export const CIRCUIT_CONFIGS: readonly CircuitConfig[] = Object.freeze([config(1, 4), config(2, 4), config(4, 4)]);

/** The configuration tests and the contract tests prove with: the smallest that exercises more than one slot. */
export const TEST_CIRCUIT = "b2d4";

export class UnknownCircuitError extends Error {
  constructor(readonly circuitName: string) {
    super(
      `unknown circuit configuration "${circuitName}"; known configurations: ${CIRCUIT_CONFIGS.map((c) => c.name).join(", ")}`,
    );
    this.name = "UnknownCircuitError";
  }
}

/** The configuration of that name; throws UnknownCircuitError (naming the known ones) otherwise. */
export function getCircuitConfig(name: string): CircuitConfig {
  const found = CIRCUIT_CONFIGS.find((c) => c.name === name);
  if (found === undefined) throw new UnknownCircuitError(name);
  return found;
}
