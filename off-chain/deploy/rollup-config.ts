import { ZeroAddress } from "ethers";

import { SNARK_SCALAR_FIELD } from "../l2/crypto.js";

/**
 * The rollup constructor's configuration as deployed: windows in blocks,
 * amounts in token base units (IZkPowRollup.Config without the verifier,
 * which Ignition deploys in the same run).
 */
export interface RollupConfigValues {
  readonly chainId: bigint;
  readonly batchSize: bigint;
  readonly treeDepth: bigint;
  readonly maxBatchesPerSequence: bigint;
  readonly commitWindow: bigint;
  readonly revealWindow: bigint;
  readonly unbondingDelay: bigint;
  readonly emergencyTimeout: bigint;
  readonly verifierUpgradeDelay: bigint;
  readonly minimumStake: bigint;
  readonly missedProofPenalty: bigint;
  readonly invalidProofPenalty: bigint;
  readonly batchFee: bigint;
}

/** The rest of the constructor's arguments. `token` undefined: the module deploys a test token. */
export interface RollupDeployArguments {
  readonly config: RollupConfigValues;
  readonly genesisStateRoot: bigint;
  readonly admin: string;
  readonly sequencer: string;
  readonly token: string | undefined;
}

/** A configuration ZkPowRollup's constructor (or setEconomics) would refuse: found before any transaction. */
export class RollupConfigError extends Error {
  override readonly name = "RollupConfigError";
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`invalid rollup configuration: ${field} ${reason}`);
  }
}

const MAX = (bits: number) => (1n << BigInt(bits)) - 1n;

function inRange(field: string, value: bigint, min: bigint, bits: number, rule = ""): void {
  if (value < min || value > MAX(bits)) {
    throw new RollupConfigError(
      field,
      `is ${value}; it must be ${min > 0n ? `at least ${min}` : "non-negative"} and fit a uint${bits}${rule}`,
    );
  }
}

/**
 * The economics as `_setEconomics` checks them (constructor and setEconomics):
 * a minimum stake and a missed-proof penalty above zero, an invalid-proof
 * penalty at least the missed one, each stored in the width the contract packs
 * it into (SafeCast reverts above it).
 */
export function checkEconomics(economics: {
  readonly minimumStake: bigint;
  readonly missedProofPenalty: bigint;
  readonly invalidProofPenalty: bigint;
  readonly batchFee: bigint;
}): void {
  inRange("minimumStake", economics.minimumStake, 1n, 96, " (a miner with no stake could commit)");
  inRange(
    "missedProofPenalty",
    economics.missedProofPenalty,
    1n,
    128,
    " (a commit that never reveals would cost nothing)",
  );
  if (economics.invalidProofPenalty < economics.missedProofPenalty) {
    throw new RollupConfigError(
      "invalidProofPenalty",
      `is ${economics.invalidProofPenalty}, below the missed-proof penalty ${economics.missedProofPenalty}: revealing a ` +
        `wrong proof must cost at least as much as revealing none`,
    );
  }
  inRange("invalidProofPenalty", economics.invalidProofPenalty, 1n, 96);
  inRange("batchFee", economics.batchFee, 0n, 128);
}

/**
 * Every rule ZkPowRollup's constructor enforces (its InvalidConfig checks,
 * the economics, the widths of the struct's fields), checked in TypeScript so
 * that a configuration the contract would refuse is a clear error naming the
 * field before any transaction is sent.
 */
export function checkRollupConfig(args: RollupDeployArguments): void {
  const { config } = args;
  inRange("chainId (the rollup's L2 chain id)", config.chainId, 1n, 64);
  inRange("batchSize", config.batchSize, 1n, 32);
  if (config.treeDepth < 1n || config.treeDepth > 32n) {
    throw new RollupConfigError("treeDepth", `is ${config.treeDepth}; it must be from 1 to 32`);
  }
  inRange("maxBatchesPerSequence", config.maxBatchesPerSequence, 1n, 32);
  inRange("commitWindow (T1, blocks)", config.commitWindow, 1n, 64);
  inRange("revealWindow (T2, blocks)", config.revealWindow, 1n, 64);
  inRange("unbondingDelay (blocks)", config.unbondingDelay, 0n, 64);
  inRange("emergencyTimeout (blocks)", config.emergencyTimeout, 1n, 64);
  inRange("verifierUpgradeDelay (blocks)", config.verifierUpgradeDelay, 0n, 64);
  const leave = config.unbondingDelay + config.commitWindow + 2n * config.revealWindow;
  if (config.verifierUpgradeDelay < leave) {
    throw new RollupConfigError(
      "verifierUpgradeDelay",
      `is ${config.verifierUpgradeDelay} blocks; it must be at least unbondingDelay + commitWindow + 2 * revealWindow ` +
        `= ${config.unbondingDelay} + ${config.commitWindow} + 2 * ${config.revealWindow} = ${leave} blocks, so that ` +
        `a miner who disagrees with a scheduled verifier can finish its commits and leave with its stake first`,
    );
  }
  checkEconomics(config);
  if (args.genesisStateRoot < 0n || args.genesisStateRoot >= SNARK_SCALAR_FIELD) {
    throw new RollupConfigError("genesisStateRoot", `${args.genesisStateRoot} is not a field element`);
  }
  if (args.admin.toLowerCase() === ZeroAddress) {
    throw new RollupConfigError("admin", "is the zero address: no one could pause, set economics or grant roles");
  }
  if (args.token?.toLowerCase() === ZeroAddress) {
    throw new RollupConfigError("token", "is the zero address: give the ERC-20 of stake, fees and rewards");
  }
}
