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

/** The Batch circuit's public signals, in order: the rollup contract passes them so (ISequenceVerifier). */
export const PUBLIC_SIGNALS = Object.freeze([
  "oldStateRoot",
  "newStateRoot",
  "batchHash",
  "dataPoint",
  "dataEvaluation",
  "prover",
] as const);

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
 * about 48k constraints).
 */
export const CIRCUIT_CONFIGS: readonly CircuitConfig[] = Object.freeze([config(1, 4), config(2, 4), config(4, 4)]);

/** The configuration tests and the contract tests prove with: the smallest that exercises more than one slot. */
export const TEST_CIRCUIT = "b2d4";

/**
 * Production-sized configurations (depth 24: 16.7M accounts), compiled and
 * counted only, never set up: no ptau here is large enough, and a setup would
 * take hours. `npm run bench:constraints` compiles them (or extrapolates the
 * ones too big for circom2 here) into bench/results/constraints.json. b1d24,
 * b2d24, b4d24 and b8d24 give the per-transfer cost; b32d24 and b128d24 are
 * the deployment's batch sizes. Not known to getCircuitConfig.
 */
export const PRODUCTION_CONFIGS: readonly CircuitConfig[] = Object.freeze([
  config(1, 24),
  config(2, 24),
  config(4, 24),
  config(8, 24),
  config(32, 24),
  config(128, 24),
]);

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
