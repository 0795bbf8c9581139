// A rollup on a local development chain, for trying the miner by hand:
//
//   npx hardhat node --hostname 127.0.0.1                      (terminal 1)
//   npx hardhat run --network localhost scripts/dev-rollup.ts  (terminal 2)
//
// The first run deploys a test token and the rollup (circuit b2d4, windows of a
// few blocks), publishes the genesis, stakes for the miner account and writes
// dev/miner.json; every run then posts two sequences of valid signed
// transfers (one of 1 batch, one of 3). Development keys only: Hardhat's
// default accounts and deterministic L2 keys, never for a real chain.
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";

import { network } from "hardhat";

import { getCircuitConfig, TEST_CIRCUIT } from "../off-chain/circuits/index.js";
import { deployRollup } from "../off-chain/deploy/deploy-rollup.js";
import { DEFAULT_SETTINGS } from "../off-chain/deploy/settings.js";
import {
  batchCommitment,
  decodeBatchData,
  encodeBatchData,
  formatGenesis,
  genesisState,
  L2Key,
  loadL2Crypto,
  signTransfer,
  type Genesis,
  type SignedTransfer,
} from "../off-chain/l2/index.js";
import { readPostedSequences } from "../off-chain/chain/chain-data.js";
import { ZkPowRollup__factory } from "../types/ethers-contracts/index.js";

const DIR = "dev";
const TOKEN = 10n ** 18n;
const ROLLUP_CHAIN_ID = 1_001n;
const { batchSize, treeDepth } = getCircuitConfig(TEST_CIRCUIT);
/** Deterministic development L2 keys (anyone can sign for these accounts). */
const keys = [1, 2, 3, 4].map((i) => new L2Key(new Uint8Array(32).fill(i)));

const connection = await network.create();
const { ethers, networkName } = connection;
const chainId = (await ethers.provider.getNetwork()).chainId;
if (chainId !== 31_337n) throw new Error(`dev-rollup runs on a local development chain (31337), not ${chainId}`);
const [admin, sequencer, , miner] = await ethers.getSigners();
if (admin === undefined || sequencer === undefined || miner === undefined) throw new Error("too few accounts");
const crypto = await loadL2Crypto();

interface Deployment {
  readonly rollup: string;
  readonly token: string;
  readonly block: number;
}

async function deployed(): Promise<Deployment | undefined> {
  if (!existsSync(`${DIR}/deployment.json`)) return undefined;
  const deployment = JSON.parse(await readFile(`${DIR}/deployment.json`, "utf8")) as Deployment;
  return (await ethers.provider.getCode(deployment.rollup)) === "0x" ? undefined : deployment;
}

let deployment = await deployed();
const genesis: Genesis = {
  chainId: ROLLUP_CHAIN_ID,
  treeDepth,
  accounts: keys.map((key) => ({ publicKey: key.publicKey, balance: 1_000_000n })),
};
if (deployment === undefined) {
  const token = await ethers.deployContract("TestToken", admin);
  const settings = {
    ...DEFAULT_SETTINGS,
    commitWindowSeconds: 36,
    revealWindowSeconds: 36,
    unbondingDelaySeconds: 120,
  };
  const { rollup } = await deployRollup(connection, {
    // Windows in blocks as on Ethereum (12 s): T1 = T2 = 3 blocks.
    chain: { name: "localhost", chainId: 31337, blockTimeSeconds: 12, forkUrlVariable: "" },
    settings,
    circuit: TEST_CIRCUIT,
    rollupChainId: ROLLUP_CHAIN_ID,
    genesisStateRoot: genesisState(crypto, genesis).root,
    token: await token.getAddress(),
    admin: admin.address,
    sequencer: sequencer.address,
    deployer: admin,
  });
  const rollupAddress = await rollup.getAddress();
  const block = (await rollup.deploymentTransaction()?.wait())?.blockNumber ?? 0;
  for (const account of [sequencer, miner]) {
    await (await token.mint(account.address, 10_000n * TOKEN)).wait();
    await (await token.connect(account).approve(rollupAddress, 2n ** 255n)).wait();
  }
  await (await rollup.connect(miner).stake(settings.minimumStake * 3n)).wait();
  deployment = { rollup: rollupAddress, token: await token.getAddress(), block };
  await mkdir(DIR, { recursive: true });
  await writeFile(`${DIR}/deployment.json`, JSON.stringify(deployment, null, 2) + "\n");
  await writeFile(`${DIR}/genesis.json`, formatGenesis(genesis));
  const minerConfig = {
    circuit: TEST_CIRCUIT,
    dataDir: "miner-data",
    proverThreads: 2,
    metricsPort: 9464,
    chains: [
      {
        name: networkName,
        rpcUrl: "http://127.0.0.1:8545",
        chainId: 31337,
        rollup: rollupAddress,
        genesis: "genesis.json",
        deploymentBlock: block,
        confirmations: 1,
        pollIntervalMs: 500,
      },
    ],
  };
  await writeFile(`${DIR}/miner.json`, JSON.stringify(minerConfig, null, 2) + "\n");
  console.log(
    `deployed the rollup at ${rollupAddress} (block ${block}); wrote ${DIR}/miner.json and ${DIR}/genesis.json`,
  );
  console.log(`miner account ${miner.address} is staked (Hardhat's account #3)`);
}

// Post two sequences of valid transfers on top of what the chain holds.
const rollup = ZkPowRollup__factory.connect(deployment.rollup, sequencer);
let state = genesisState(crypto, genesis);
for (const posted of await readPostedSequences(rollup, deployment.block)) {
  for (const batch of posted.batches)
    state = state.applyBatch(decodeBatchData(batch.data, treeDepth), ROLLUP_CHAIN_ID).state;
}
for (const batches of [1, 3]) {
  const data: Uint8Array[] = [];
  for (let b = 0; b < batches; b++) {
    const before = state;
    const transfers: SignedTransfer[] = [];
    for (let t = 0; t < batchSize; t++) {
      const from = Math.floor(Math.random() * keys.length);
      const to = (from + 1 + Math.floor(Math.random() * (keys.length - 1))) % keys.length;
      const sender = state.account(from);
      const key = keys[from];
      if (sender === undefined || key === undefined) throw new Error(`no account ${from}`);
      const amount = BigInt(1 + Math.floor(Math.random() * 100));
      const transfer = signTransfer(crypto.poseidon, key, ROLLUP_CHAIN_ID, { from, to, amount, nonce: sender.nonce });
      state = state.applySigned([transfer], ROLLUP_CHAIN_ID).state;
      transfers.push(transfer);
    }
    data.push(encodeBatchData(before.seal(transfers, ROLLUP_CHAIN_ID), treeDepth));
  }
  const hashes = data.map(
    (bytes) => batchCommitment(crypto.poseidon, ROLLUP_CHAIN_ID, bytes, batchSize, treeDepth).batchHash,
  );
  const first = (await rollup.lastBatch()) + 1n;
  await (await rollup.sequenceBatches(data, hashes)).wait();
  console.log(`posted sequence ${first} (${batches} batch${batches > 1 ? "es" : ""})`);
}

// A development node mines only when a transaction arrives; the windows are counted in blocks, so blocks must
// keep coming: one a second.
await ethers.provider.send("evm_setIntervalMining", [1000]);
console.log("the node now mines a block every second");
