import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { openRollup, parseAmount, RollupTaskError, runTask, type RollupTaskArguments } from "./shared.js";

export interface WithdrawTaskArguments extends RollupTaskArguments {
  readonly amount: string;
}

/**
 * `npx hardhat rollup:withdraw --network <chain> --amount <units>` requests a
 * withdrawal (the stake starts unbonding); `rollup:withdraw` without
 * --amount withdraws the unbonded stake once the unbonding delay has passed.
 */
export default async function withdrawTask(args: WithdrawTaskArguments, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runTask("rollup:withdraw", async () => {
    const { rollup, signer, connection } = await openRollup(hre, args);
    const before = await rollup.getMiner(signer.address);
    if (args.amount !== "") {
      const amount = parseAmount("amount", args.amount);
      if (amount === 0n || amount > before.stake) {
        throw new RollupTaskError(`--amount ${amount} must be above zero and at most the stake ${before.stake}`);
      }
      await (await rollup.requestWithdrawal(amount)).wait();
      const after = await rollup.getMiner(signer.address);
      console.log(
        `${signer.address} requested ${amount}: unbonding ${after.unbonding} until block ${after.unbondingEnd} ` +
          `(then run rollup:withdraw without --amount); stake ${after.stake}`,
      );
      return;
    }
    if (before.unbonding === 0n) {
      throw new RollupTaskError(`${signer.address} has nothing unbonding: request a withdrawal first with --amount`);
    }
    const block = await connection.ethers.provider.getBlockNumber();
    // withdraw() runs in the next block.
    if (BigInt(block + 1) < before.unbondingEnd) {
      throw new RollupTaskError(
        `${signer.address}'s ${before.unbonding} unbond at block ${before.unbondingEnd}; the chain is at block ${block}`,
      );
    }
    await (await rollup.withdraw()).wait();
    const after = await rollup.getMiner(signer.address);
    console.log(`${signer.address} withdrew ${before.unbonding - after.unbonding}; still unbonding ${after.unbonding}`);
  });
}
