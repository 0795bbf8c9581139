import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

import { deployRollup } from "../deploy/deploy-rollup.js";
import { formatGenesis, genesisState, L2Key, type Genesis, type L2Crypto } from "../l2/index.js";
import { getCircuitConfig } from "../circuits/index.js";
import type { RunningChain } from "./chains.js";
import { ADMIN_ACCOUNT, SEQUENCER_ACCOUNT, type DevnetPlan } from "./plan.js";

const TOKEN = 10n ** 18n;
/** What each L2 account holds at genesis. */
const GENESIS_BALANCE = 1_000_000n;

/** A rollup deployed on one devnet chain, with what its sequencer and miners need. */
export interface DevnetRollup {
  readonly chain: RunningChain;
  readonly rollup: string;
  readonly token: string;
  readonly deploymentBlock: number;
  readonly genesis: Genesis;
  readonly genesisFile: string;
  /** The L2 keys of the genesis accounts, in account order (the traffic generator signs with them). */
  readonly keys: readonly L2Key[];
}

/**
 * The devnet's L2 keys: deterministic, as Hardhat's default accounts are, so
 * anyone can sign for these accounts. Development only.
 */
export function devnetKeys(count: number): L2Key[] {
  return Array.from({ length: count }, (_, i) => new L2Key(new Uint8Array(32).fill(0x40 + i)));
}

/**
 * Deploys the rollup on a devnet chain (a test token, then the rollup through
 * the deployment code a real deployment uses), publishes its genesis into
 * `dir`, funds the sequencer for batch fees and funds and stakes each miner
 * that serves the chain.
 */
export async function deployDevnetRollup(
  chain: RunningChain,
  plan: DevnetPlan,
  crypto: L2Crypto,
  dir: string,
  ignitionDir: string,
): Promise<DevnetRollup> {
  const { ethers } = chain;
  const signers = await ethers.getSigners();
  const signer = (index: number) => signers[index] ?? fail(`${chain.plan.name}: no default account #${index}`);
  const admin = signer(ADMIN_ACCOUNT);
  const sequencer = signer(SEQUENCER_ACCOUNT);
  const keys = devnetKeys(plan.l2Accounts);
  const genesis: Genesis = {
    chainId: chain.plan.rollupChainId,
    treeDepth: getCircuitConfig(plan.circuit).treeDepth,
    accounts: keys.map((key) => ({ publicKey: key.publicKey, balance: GENESIS_BALANCE })),
  };
  const genesisFile = join(dir, `genesis-${chain.plan.name}.json`);
  await writeFile(genesisFile, formatGenesis(genesis));

  // Over HTTP Ignition journals the deployment in ignition/deployments/<id>; the devnet's chains are new every
  // run, so last run's journal describes contracts that no longer exist.
  const deploymentId = `devnet-${chain.plan.name}`;
  await rm(join(ignitionDir, "deployments", deploymentId), { recursive: true, force: true });
  // No token given: on a development chain the deployment module deploys a TestToken.
  const { rollup, testToken } = await deployRollup(chain.connection, {
    deploymentId,
    chain: {
      name: chain.plan.name,
      chainId: chain.plan.chainId,
      blockTimeSeconds: chain.plan.blockTimeSeconds,
      forkUrlVariable: "",
    },
    settings: plan.settings,
    circuit: plan.circuit,
    rollupChainId: chain.plan.rollupChainId,
    genesisStateRoot: genesisState(crypto, genesis).root,
    admin: admin.address,
    sequencer: sequencer.address,
    deployer: admin,
  });
  if (testToken === undefined) throw new Error(`${chain.plan.name}: the deployment made no test token`);
  const token = testToken.connect(admin);
  const rollupAddress = await rollup.getAddress();
  // Ignition's contracts carry no deployment transaction: the block is where the rollup's code first appears.
  const deploymentBlock = await ethers.provider.getBlockNumber();

  const miners = plan.miners.filter((miner) => miner.chains.includes(chain.plan.name));
  // Transactions of different senders go out together: on a chain of 12 s blocks, one block holds them all.
  await Promise.all(
    [sequencer, ...miners.map((miner) => signer(miner.account))].map(async (account) => {
      await (await token.mint(account.address, 100_000n * TOKEN)).wait();
    }),
  );
  await Promise.all(
    [sequencer, ...miners.map((miner) => signer(miner.account))].map(async (account) => {
      await (await token.connect(account).approve(rollupAddress, 2n ** 255n)).wait();
    }),
  );
  await Promise.all(
    miners.map(async (miner) => {
      await (await rollup.connect(signer(miner.account)).stake(plan.settings.minimumStake * 5n)).wait();
    }),
  );
  return {
    chain,
    rollup: rollupAddress,
    token: await token.getAddress(),
    deploymentBlock,
    genesis,
    genesisFile,
    keys,
  };
}

function fail(message: string): never {
  throw new Error(message);
}
