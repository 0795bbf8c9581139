import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { openRollup, RollupTaskError, runTask, type RollupTaskArguments } from "./shared.js";

async function setPaused(hre: HardhatRuntimeEnvironment, args: RollupTaskArguments, pause: boolean): Promise<void> {
  const what = pause ? "rollup:pause" : "rollup:unpause";
  await runTask(what, async () => {
    const { rollup, signer } = await openRollup(hre, args);
    if (!(await rollup.hasRole(await rollup.DEFAULT_ADMIN_ROLE(), signer.address))) {
      throw new RollupTaskError(
        `${signer.address} does not hold DEFAULT_ADMIN_ROLE: only the admin may pause and unpause`,
      );
    }
    if ((await rollup.paused()) === pause) {
      throw new RollupTaskError(`the rollup is already ${pause ? "paused" : "unpaused"}`);
    }
    if (!pause && (await rollup.emergencyState()).active) {
      throw new RollupTaskError("the rollup is in the emergency state: leaveEmergency unpauses it, unpause cannot");
    }
    await (await (pause ? rollup.pause() : rollup.unpause())).wait();
    console.log(
      pause
        ? "paused: no sequence can be posted and no commit made; reveals, settlements, claims and withdrawals go on"
        : "unpaused",
    );
  });
}

/** `npx hardhat rollup:pause --network <chain>`, from the admin. */
export default async function pauseTask(args: RollupTaskArguments, hre: HardhatRuntimeEnvironment): Promise<void> {
  await setPaused(hre, args, true);
}

/** `npx hardhat rollup:unpause --network <chain>`, from the admin. */
export async function unpauseTask(args: RollupTaskArguments, hre: HardhatRuntimeEnvironment): Promise<void> {
  await setPaused(hre, args, false);
}
