// The production key path: a phase-2 trusted-setup ceremony over snarkjs's zkey functions (init, contributions,
// a public beacon), its verification, and the verifiers of its final zkey. `npx hardhat circuits:ceremony` runs it;
// docs/ceremony.md says who runs what.
export {
  beaconCeremony,
  BEACON_ITERATIONS_EXP,
  ceremonyCircuit,
  contributeToCeremony,
  defaultCeremonyDir,
  initCeremony,
  MIN_CONTRIBUTIONS_BEFORE_BEACON,
  parseBeaconValue,
  verifyCeremony,
  type CeremonyTarget,
  type InitResult,
  type StepResult,
  type VerifyResult,
} from "./ceremony.js";
export { checkTranscriptChain } from "./chain.js";
export {
  exportCeremony,
  PRODUCTION_SUFFIX,
  PRODUCTION_VERIFIERS_DIR,
  type CeremonyRecord,
  type ExportResult,
} from "./export.js";
export { readPhase2Params, type Phase2Contribution, type Phase2Params } from "./phase2-params.js";
export {
  CeremonyError,
  readTranscript,
  TRANSCRIPT_FILE,
  TRANSCRIPT_FORMAT,
  type Transcript,
  type TranscriptEntry,
} from "./transcript.js";
