import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { checkEconomics } from "../../off-chain/deploy/rollup-config.js";
import { openRollup, parseAmount, RollupTaskError, runTask, type RollupTaskArguments } from "./shared.js";

export interface EconomicsTaskArguments extends RollupTaskArguments {
  readonly minimumStake: string;
  readonly missedProofPenalty: string;
  readonly invalidProofPenalty: string;
  readonly batchFee: string;
}

/**
 * `npx hardhat rollup:economics --network <chain> [--minimum-stake ...]`:
 * setEconomics with the values given and the current ones for the rest,
 * checked against the contract's rules before the transaction, from an
 * account holding PARAMETERS_ROLE.
 */
export default async function economicsTask(
  args: EconomicsTaskArguments,
  hre: HardhatRuntimeEnvironment,
): Promise<void> {
  await runTask("rollup:economics", async () => {
    const { rollup, signer } = await openRollup(hre, args);
    const current = await rollup.getConfig();
    const pick = (name: string, value: string, fallback: bigint) =>
      value === "" ? fallback : parseAmount(name, value);
    const economics = {
      minimumStake: pick("minimum-stake", args.minimumStake, current.minimumStake),
      missedProofPenalty: pick("missed-proof-penalty", args.missedProofPenalty, current.missedProofPenalty),
      invalidProofPenalty: pick("invalid-proof-penalty", args.invalidProofPenalty, current.invalidProofPenalty),
      batchFee: pick("batch-fee", args.batchFee, current.batchFee),
    };
    checkEconomics(economics);
    const role = await rollup.PARAMETERS_ROLE();
    if (!(await rollup.hasRole(role, signer.address))) {
      throw new RollupTaskError(
        `${signer.address} does not hold PARAMETERS_ROLE: only its holders may set the economics`,
      );
    }
    await (
      await rollup.setEconomics(
        economics.minimumStake,
        economics.missedProofPenalty,
        economics.invalidProofPenalty,
        economics.batchFee,
      )
    ).wait();
    console.log(
      `economics set: minimum stake ${economics.minimumStake}, missed-proof penalty ${economics.missedProofPenalty}, ` +
        `invalid-proof penalty ${economics.invalidProofPenalty}, batch fee ${economics.batchFee} ` +
        `(open commits keep the penalties they were made with)`,
    );
  });
}
