/** What a person sets for a deployment: windows in seconds, amounts in token units (wei). */
export interface RollupSettings {
  /** T1. */
  readonly commitWindowSeconds: number;
  /** T2. */
  readonly revealWindowSeconds: number;
  readonly unbondingDelaySeconds: number;
  readonly maxBatchesPerSequence: number;
  readonly minimumStake: bigint;
  readonly missedProofPenalty: bigint;
  readonly invalidProofPenalty: bigint;
  readonly batchFee: bigint;
}

const ETHER = 10n ** 18n;

/**
 * Defaults for a development network: a minute to commit, two to reveal, a
 * day of unbonding. A production deployment sets its own.
 */
export const DEFAULT_SETTINGS: RollupSettings = Object.freeze({
  commitWindowSeconds: 60,
  revealWindowSeconds: 120,
  unbondingDelaySeconds: 24 * 60 * 60,
  maxBatchesPerSequence: 8,
  minimumStake: 100n * ETHER,
  missedProofPenalty: 10n * ETHER,
  invalidProofPenalty: 20n * ETHER,
  batchFee: 1n * ETHER,
});
