export { Sequencer, type SequencerOptions } from "./sequencer.js";
export {
  parseSequencerConfig,
  readDeployment,
  readSequencerConfig,
  sequencerKeyFromEnv,
  SequencerConfigError,
  KEY_VARIABLE,
  type SequencerConfig,
} from "./config.js";
export type { RefusalCode } from "./errors.js";
export * from "./wire.js";
