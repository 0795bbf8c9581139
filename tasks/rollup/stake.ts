import { Contract, type ContractTransactionResponse, type Signer } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { openRollup, parseAmount, RollupTaskError, runTask, type RollupTaskArguments } from "./shared.js";

export interface StakeTaskArguments extends RollupTaskArguments {
  readonly amount: string;
}

/**
 * `npx hardhat rollup:stake --network <chain> --amount <units>`: approves the
 * rollup for the amount (when the allowance is short) and stakes it for the
 * sending miner.
 */
export default async function stakeTask(args: StakeTaskArguments, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runTask("rollup:stake", async () => {
    const amount = parseAmount("amount", args.amount);
    if (amount === 0n) throw new RollupTaskError("--amount must be above zero");
    const { rollup, rollupAddress, signer } = await openRollup(hre, args);
    const { token, minimumStake } = await rollup.getConfig();
    const erc20 = erc20At(token, signer);
    const balance = await erc20.balanceOf(signer.address);
    if (balance < amount) {
      throw new RollupTaskError(`${signer.address} holds ${balance} of token ${token}, less than --amount ${amount}`);
    }
    if ((await erc20.allowance(signer.address, rollupAddress)) < amount) {
      await (await erc20.approve(rollupAddress, amount)).wait();
    }
    await (await rollup.stake(amount)).wait();
    const miner = await rollup.getMiner(signer.address);
    console.log(`${signer.address} staked ${amount}: stake ${miner.stake} (minimum to commit ${minimumStake})`);
  });
}

/** The three ERC-20 calls staking needs (the rollup's token is any ERC-20, not a contract of this project). */
interface Erc20 {
  balanceOf(account: string): Promise<bigint>;
  allowance(owner: string, spender: string): Promise<bigint>;
  approve(spender: string, amount: bigint): Promise<ContractTransactionResponse>;
}

function erc20At(address: string, signer: Signer): Erc20 {
  const contract = new Contract(
    address,
    [
      "function balanceOf(address) view returns (uint256)",
      "function allowance(address, address) view returns (uint256)",
      "function approve(address, uint256) returns (bool)",
    ],
    signer,
  );
  return {
    balanceOf: (account) => contract.getFunction("balanceOf")(account) as Promise<bigint>,
    allowance: (owner, spender) => contract.getFunction("allowance")(owner, spender) as Promise<bigint>,
    approve: (spender, amount) =>
      contract.getFunction("approve")(spender, amount) as Promise<ContractTransactionResponse>,
  };
}
