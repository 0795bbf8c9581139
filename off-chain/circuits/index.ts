// The circuit build pipeline: compile (circom2) -> Groth16 setup (snarkjs,
// deterministic dev beacon) -> export (verifier contracts), each step cached.
// `npx hardhat circuits` runs it for every configuration; provers and tests
// call ensureCircuit(TEST_CIRCUIT).
export {
  ensureCircuit,
  ensureCompiled,
  type CircuitArtifacts,
  type EnsureCircuitOptions,
  type StepOutcome,
} from "./build.js";
export {
  CIRCUIT_CONFIGS,
  PUBLIC_SIGNALS,
  TEST_CIRCUIT,
  UnknownCircuitError,
  getCircuitConfig,
  type CircuitConfig,
} from "./configurations.js";
export { CircomCompileError, type CompiledCircuit } from "./compile.js";
export { EXPORTERS } from "./exporters.js";
export {
  type ExportContext,
  type ExportedFile,
  type ExportOrigin,
  type Exporter,
  type GeneratedFile,
} from "./export.js";
export type { LogFn } from "./log.js";
export { circuitsCacheRoot, REPO_ROOT, VERIFIERS_DIR } from "./paths.js";
export { PTAU_ENV_VAR, PtauError, requiredPtauPower } from "./ptau.js";
export { devBeaconHash } from "./setup.js";
export { releaseSnarkjsWorkers } from "./workers.js";
export {
  assertVerifierHoldsKey,
  assertZkeyFitsCircuit,
  verificationKeyOf,
  verifierKeyNumbers,
  VerifierKeyError,
  ZkeyError,
  type CodeReader,
  type EmbeddedKey,
} from "./verifier-check.js";
