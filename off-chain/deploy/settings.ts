/** What a person sets for a deployment: windows in seconds, amounts in token units (wei). */
export interface RollupSettings {
  /** T1. */
  readonly commitWindowSeconds: number;
  /** T2. */
  readonly revealWindowSeconds: number;
  readonly unbondingDelaySeconds: number;
  /** How long the oldest unverified sequence may wait before anyone may put the rollup in the emergency state. */
  readonly emergencyTimeoutSeconds: number;
  /** How long a scheduled verifier upgrade waits (at least unbonding + T1 + 2 T2, so that miners can leave first). */
  readonly verifierUpgradeDelaySeconds: number;
  readonly maxBatchesPerSequence: number;
  readonly minimumStake: bigint;
  readonly missedProofPenalty: bigint;
  readonly invalidProofPenalty: bigint;
  readonly batchFee: bigint;
}

const ETHER = 10n ** 18n;

/**
 * Defaults for a development network: a minute to commit, two to reveal, a
 * day of unbonding, a week without verification before anyone may declare an
 * emergency, two days' notice of a verifier upgrade. A production deployment sets its own.
 */
export const DEFAULT_SETTINGS: RollupSettings = Object.freeze({
  commitWindowSeconds: 60,
  revealWindowSeconds: 120,
  unbondingDelaySeconds: 24 * 60 * 60,
  emergencyTimeoutSeconds: 7 * 24 * 60 * 60,
  verifierUpgradeDelaySeconds: 2 * 24 * 60 * 60,
  maxBatchesPerSequence: 8,
  minimumStake: 100n * ETHER,
  missedProofPenalty: 10n * ETHER,
  invalidProofPenalty: 20n * ETHER,
  batchFee: 1n * ETHER,
});
