import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { networkInterfaces, tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { JsonRpcProvider, Network, Wallet } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import {
  CHAIN_DEFINITIONS,
  MAINNET_NAMES,
  simulatedNetworkName,
  type MainnetName,
} from "../../off-chain/deploy/chains.js";
import { deployedAddress, deploymentDir } from "../../off-chain/deploy/deployment-folder.js";
import {
  formatGenesis,
  genesisState,
  L2Key,
  loadL2Crypto,
  readGenesis,
  type Genesis,
} from "../../off-chain/l2/index.js";
import { readMinerConfig } from "../../off-chain/miner/config.js";
import { TestToken__factory, ZkPowRollup__factory } from "../../types/ethers-contracts/index.js";
import { ensureCircuit } from "../../off-chain/circuits/index.js";
import { hardhatCli, rejection, ROOT, runTask, startNode, taskRuntime, type LocalNode } from "../helpers/tasks.js";

// Hardhat's default accounts on a `hardhat node`: #0 deploys (admin), #3 mines.
const MINER = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
const OUTSIDER = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65";
const TOKEN = 10n ** 18n;

function genesis(accounts: number, chainId = 1_001n, treeDepth = 4): Genesis {
  return {
    chainId,
    treeDepth,
    accounts: Array.from({ length: accounts }, (_, i) => ({
      publicKey: new L2Key(new Uint8Array(32).fill(i + 1)).publicKey,
      balance: 1_000n * BigInt(i + 1),
    })),
  };
}

describe("rollup:* tasks against local hardhat nodes (chain ids 1, 56, 137)", function () {
  let dir: string;
  const nodes = new Map<MainnetName, LocalNode>();
  const runtimes = new Map<MainnetName, HardhatRuntimeEnvironment>();
  let genesisFile: string;

  const runtime = (name: MainnetName) => runtimes.get(name) ?? expect.fail(`no runtime for ${name}`);
  const node = (name: MainnetName) => nodes.get(name) ?? expect.fail(`no node for ${name}`);
  const provider = (name: MainnetName) =>
    new JsonRpcProvider(node(name).url, new Network(name, BigInt(CHAIN_DEFINITIONS[name].viem.id)), {
      staticNetwork: true,
    });

  before(async function () {
    dir = await mkdtemp(path.join(tmpdir(), "zkpow-tasks-"));
    genesisFile = path.join(dir, "genesis.json");
    await writeFile(genesisFile, formatGenesis(genesis(4)));
    // The Ignition folder of the tests: the committed parameter files, deployments of their own.
    await cp(path.join(ROOT, "ignition/parameters"), path.join(dir, "ignition/parameters"), { recursive: true });
    // The three nodes start side by side (each a Hardhat start-up of a few seconds).
    const started = await Promise.all(MAINNET_NAMES.map((name) => startNode(simulatedNetworkName(name))));
    for (const [i, name] of MAINNET_NAMES.entries()) {
      const local = started[i] ?? expect.fail("node");
      nodes.set(name, local);
      runtimes.set(
        name,
        await taskRuntime(`${name}Local`, { ignitionDir: path.join(dir, "ignition"), override: { url: local.url } }),
      );
    }
  });

  after(async function () {
    for (const local of nodes.values()) await local.stop();
    await rm(dir, { recursive: true, force: true });
  });

  for (const name of MAINNET_NAMES) {
    const chainId = CHAIN_DEFINITIONS[name].viem.id;
    it(`Should deploy on ${name}Local (chain id ${chainId}) with the production profile, publish the genesis, and report the status`, async function () {
      const hre = runtime(name);
      const output = await runTask(hre, "rollup:deploy", { genesis: genesisFile });
      const folder = deploymentDir(path.join(dir, "ignition"), `zkpow-${name}Local`);
      const rollupAddress = await deployedAddress(folder, "rollup");
      expect(output).to.contain(`rollup ${rollupAddress} on ${name}Local (chain id ${chainId})`);

      const chain = provider(name);
      try {
        const rollup = ZkPowRollup__factory.connect(rollupAddress, chain);
        const config = await rollup.getConfig();
        const blockTime = CHAIN_DEFINITIONS[name].viem.blockTime ?? expect.fail("block time");
        // ignition/parameters/<name>Local.json: T1 60 s and T2 120 s, in this chain's blocks.
        expect(config.commitWindow).to.equal(BigInt(Math.ceil(60_000 / blockTime)));
        expect(config.revealWindow).to.equal(BigInt(Math.ceil(120_000 / blockTime)));
        expect(config.chainId).to.equal(1_001n);
        expect(await rollup.stateRoot()).to.equal(genesisState(await loadL2Crypto(), genesis(4)).root);

        // Built with the production profile (viaIR): the verifier on chain is the production artifact's code.
        const verifierArtifact = JSON.parse(
          await readFile(
            path.join(
              hre.config.paths.artifacts,
              "contracts/verifiers/SequenceVerifierB2D4.sol/SequenceVerifierB2D4.json",
            ),
            "utf8",
          ),
        ) as { deployedBytecode: string };
        const defaultArtifact = JSON.parse(
          await readFile(
            path.join(ROOT, "artifacts/contracts/verifiers/SequenceVerifierB2D4.sol/SequenceVerifierB2D4.json"),
            "utf8",
          ),
        ) as { deployedBytecode: string };
        expect(await chain.getCode(config.verifier)).to.equal(verifierArtifact.deployedBytecode);
        expect(verifierArtifact.deployedBytecode).to.not.equal(defaultArtifact.deployedBytecode);

        // The published genesis is what a miner's configuration loads.
        const published = path.join(folder, "genesis.json");
        expect((await readGenesis(published)).chainId).to.equal(1_001n);
        const rollupJson = JSON.parse(await readFile(path.join(folder, "rollup.json"), "utf8")) as {
          rollup: string;
          deploymentBlock: number;
        };
        expect(rollupJson.rollup).to.equal(rollupAddress);
        const receipt = await chain.getTransactionReceipt(await findDeployment(chain, rollupAddress));
        expect(rollupJson.deploymentBlock).to.equal(receipt?.blockNumber);
        const minerConfigFile = path.join(folder, "miner.json");
        await writeFile(
          minerConfigFile,
          JSON.stringify({
            circuit: "b2d4",
            dataDir: "miner-data",
            chains: [
              {
                name: `${name}Local`,
                rpcUrl: node(name).url,
                chainId,
                rollup: rollupAddress,
                genesis: "genesis.json",
                deploymentBlock: rollupJson.deploymentBlock,
              },
            ],
          }),
        );
        const minerConfig = await readMinerConfig(minerConfigFile);
        expect(minerConfig.chains[0]?.genesis).to.equal(published);

        const status = await runTask(hre, "rollup:status");
        expect(status).to.contain(`commit window (T1)        ${config.commitWindow} blocks (60 s)`);
        expect(status).to.contain("last verified batch       0");
        expect(status).to.contain("carry                     0");
        expect(status).to.contain("no open sequence");

        // Re-running the deploy with the same genesis is idempotent: Ignition finds everything deployed.
        await runTask(hre, "rollup:deploy", { genesis: genesisFile });
        expect(await deployedAddress(folder, "rollup")).to.equal(rollupAddress);
      } finally {
        chain.destroy();
      }
    });
  }

  it("Should stake, request a withdrawal, withdraw after unbonding, set the economics, pause, unpause and grant and revoke roles", async function () {
    const hre = runtime("ethereum");
    const chain = provider("ethereum");
    try {
      const folder = deploymentDir(path.join(dir, "ignition"), "zkpow-ethereumLocal");
      const rollup = ZkPowRollup__factory.connect(await deployedAddress(folder, "rollup"), chain);
      const admin = await chain.getSigner(0);
      const token = TestToken__factory.connect(await deployedAddress(folder, "testToken"), admin);
      await (await token.mint(MINER, 1_000n * TOKEN)).wait();

      await runTask(hre, "rollup:stake", { amount: (300n * TOKEN).toString(), from: MINER });
      expect((await rollup.getMiner(MINER)).stake).to.equal(300n * TOKEN);
      await runTask(hre, "rollup:withdraw", { amount: (100n * TOKEN).toString(), from: MINER });
      const unbonding = await rollup.getMiner(MINER);
      expect(unbonding.stake).to.equal(200n * TOKEN);
      expect(unbonding.unbonding).to.equal(100n * TOKEN);
      // Too early: refused before any transaction, naming the block.
      const early = await rejection(runTask(hre, "rollup:withdraw", { from: MINER }));
      expect(early.message).to.contain(`unbond at block ${unbonding.unbondingEnd}`);
      await chain.send("hardhat_mine", [`0x${(unbonding.unbondingEnd + 1n).toString(16)}`]);
      const before = await token.balanceOf(MINER);
      await runTask(hre, "rollup:withdraw", { from: MINER });
      expect(await token.balanceOf(MINER)).to.equal(before + 100n * TOKEN);
      expect((await rollup.getMiner(MINER)).unbonding).to.equal(0n);

      await runTask(hre, "rollup:economics", { minimumStake: (500n * TOKEN).toString(), batchFee: "7" });
      const economics = await rollup.getConfig();
      expect(economics.minimumStake).to.equal(500n * TOKEN);
      expect(economics.batchFee).to.equal(7n);
      expect(economics.missedProofPenalty).to.equal(10n * TOKEN);
      const nonce = await chain.getTransactionCount(await admin.getAddress());
      const refused = await rejection(runTask(hre, "rollup:economics", { invalidProofPenalty: "1" }));
      expect(refused.message).to.contain("invalidProofPenalty is 1, below the missed-proof penalty");
      const notHolder = await rejection(runTask(hre, "rollup:economics", { batchFee: "1", from: MINER }));
      expect(notHolder.message).to.contain(`${MINER} does not hold PARAMETERS_ROLE`);
      expect(await chain.getTransactionCount(await admin.getAddress())).to.equal(nonce);

      await runTask(hre, "rollup:pause");
      expect(await rollup.paused()).to.equal(true);
      expect((await runTask(hre, "rollup:status")).split("\n").find((line) => line.includes("paused"))).to.contain(
        "true",
      );
      await runTask(hre, "rollup:unpause");
      expect(await rollup.paused()).to.equal(false);
      const minerPause = await rejection(runTask(hre, "rollup:pause", { from: MINER }));
      expect(minerPause.message).to.contain("does not hold DEFAULT_ADMIN_ROLE");

      const sequencerRole = await rollup.SEQUENCER_ROLE();
      await runTask(hre, "rollup:roles", { action: "grant", role: "sequencer", account: OUTSIDER });
      expect(await rollup.hasRole(sequencerRole, OUTSIDER)).to.equal(true);
      expect(await runTask(hre, "rollup:roles", { action: "show", account: OUTSIDER })).to.contain(
        `${OUTSIDER} holds sequencer`,
      );
      await runTask(hre, "rollup:roles", { action: "revoke", role: "sequencer", account: OUTSIDER });
      expect(await rollup.hasRole(sequencerRole, OUTSIDER)).to.equal(false);
      const badRole = await rejection(
        runTask(hre, "rollup:roles", { action: "grant", role: "owner", account: OUTSIDER }),
      );
      expect(badRole.message).to.contain('--role "owner" must be one of admin, parameters, sequencer');
    } finally {
      chain.destroy();
    }
  });

  describe("# bad input", function () {
    it("Should refuse parameters the contract would refuse, before any transaction", async function () {
      const hre = runtime("polygon");
      const chain = provider("polygon");
      try {
        const deployer = await (await chain.getSigner(0)).getAddress();
        const nonce = await chain.getTransactionCount(deployer);
        const parameters = JSON.parse(
          await readFile(path.join(ROOT, "ignition/parameters/polygonLocal.json"), "utf8"),
        ) as { settings: Record<string, unknown> };
        const write = async (settings: Record<string, unknown>) => {
          const file = path.join(dir, "bad-parameters.json");
          await writeFile(file, JSON.stringify({ ...parameters, settings: { ...parameters.settings, ...settings } }));
          return file;
        };
        const deploy = async (settings: Record<string, unknown>) =>
          rejection(
            runTask(hre, "rollup:deploy", {
              genesis: genesisFile,
              parameters: await write(settings),
              deploymentId: "refused",
            }),
          );
        expect((await deploy({ verifierUpgradeDelaySeconds: 60 })).message).to.contain(
          "verifierUpgradeDelay is 30 blocks; it must be at least unbondingDelay + commitWindow + 2 * revealWindow = 300 + 30 + 2 * 60 = 450 blocks",
        );
        expect((await deploy({ missedProofPenalty: "0" })).message).to.contain("missedProofPenalty is 0");
        expect((await deploy({ minimumStake: "0" })).message).to.contain("minimumStake is 0");
        expect((await deploy({ commitWindowSeconds: 0 })).message).to.contain(
          "settings.commitWindowSeconds: must be a positive number of seconds",
        );
        expect((await deploy({ batchFee: "1e18" })).message).to.contain("settings.batchFee: must be a decimal string");
        expect(await chain.getTransactionCount(deployer), "no transaction sent").to.equal(nonce);
      } finally {
        chain.destroy();
      }
    });

    it("Should deploy a verifier only when it holds the given zkey's key, checked before any transaction", async function () {
      const hre = runtime("bnb");
      const chain = provider("bnb");
      try {
        const deployer = await (await chain.getSigner(0)).getAddress();
        const nonce = await chain.getTransactionCount(deployer);
        // b1d4's development zkey: another key than the b2d4 verifier's (built or taken from the cache).
        const b1d4 = await ensureCircuit("b1d4");
        const b2d4 = await ensureCircuit("b2d4");
        const other = await rejection(
          runTask(hre, "rollup:deploy", {
            genesis: genesisFile,
            zkey: b1d4.zkeyPath,
            deploymentId: "other-zkey",
          }),
        );
        expect(other.message).to.match(
          /rollup:deploy: the verifier SequenceVerifierB2D4 does not hold zkey .*b1d4\.zkey \(\d+ of its \d+ words missing\)/,
        );
        expect(await chain.getTransactionCount(deployer), "no transaction sent").to.equal(nonce);
        const output = await runTask(hre, "rollup:deploy", {
          genesis: genesisFile,
          zkey: b2d4.zkeyPath,
          deploymentId: "same-zkey",
        });
        expect(output).to.contain("the verifier holds the verification key of");
      } finally {
        chain.destroy();
      }
    });

    it("Should refuse a wrong genesis file: bad JSON, too many accounts for the tree, another tree depth, another root on a re-deploy", async function () {
      const hre = runtime("bnb");
      const chain = provider("bnb");
      try {
        const deployer = await (await chain.getSigner(0)).getAddress();
        const nonce = await chain.getTransactionCount(deployer);
        const file = path.join(dir, "wrong-genesis.json");
        const refusal = async (text: string) => {
          await writeFile(file, text);
          return (await rejection(runTask(hre, "rollup:deploy", { genesis: file }))).message;
        };
        expect(await refusal("{ not json")).to.match(/wrong-genesis\.json: not JSON/);
        expect(await refusal(formatGenesis(genesis(17)))).to.contain(
          "17 genesis accounts do not fit a tree of depth 4",
        );
        expect(await refusal(formatGenesis(genesis(2, 1_001n, 5)))).to.contain(
          "treeDepth 5 is not the circuit b2d4's (4)",
        );
        // The deployment bnbLocal was made with genesis(4): another genesis cannot replace it.
        expect(await refusal(formatGenesis(genesis(3)))).to.match(
          /its root \d+ is not the root \d+ of the genesis deployment zkpow-bnbLocal was made with/,
        );
        expect((await rejection(runTask(hre, "rollup:deploy", {}))).message).to.contain("--genesis <file> is required");
        expect(await chain.getTransactionCount(deployer), "no transaction sent").to.equal(nonce);
      } finally {
        chain.destroy();
      }
    });

    it("Should refuse the development verifier and a test token on a chain that is not local, saying why", async function () {
      // The same kind of node, reached at a non-loopback address of this machine: not a development chain.
      const address = Object.values(networkInterfaces())
        .flat()
        .find((entry) => entry !== undefined && entry.family === "IPv4" && !entry.internal)?.address;
      if (address === undefined) this.skip();
      const remote = await startNode(simulatedNetworkName("ethereum"), address);
      try {
        const hre = await taskRuntime("ethereum", {
          ignitionDir: path.join(dir, "ignition"),
          // Hardhat's account #0: a throwaway key for the test node.
          override: {
            url: remote.url,
            accounts: ["0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"],
          },
        });
        const parameters = path.join(ROOT, "ignition/parameters/ethereum.json");
        const devKey = await rejection(runTask(hre, "rollup:deploy", { genesis: genesisFile, parameters }));
        expect(devKey.message).to.contain(
          "refusing the development verifier SequenceVerifierB2D4 on ethereum (chain id 1), which is not a local development chain",
        );
        expect(devKey.message).to.contain("anyone can recompute the toxic waste");
        expect(devKey.message).to.contain("npx hardhat circuits:ceremony");
        const noZkey = await rejection(
          runTask(hre, "rollup:deploy", {
            genesis: genesisFile,
            parameters,
            verifier: "SequenceVerifierB2D4Production",
          }),
        );
        expect(noZkey.message).to.contain("--zkey <the ceremony's final zkey> is required on ethereum");
        const noToken = await rejection(
          runTask(hre, "rollup:deploy", {
            genesis: genesisFile,
            parameters,
            verifier: "SequenceVerifierB2D4Production",
            zkey: path.join(dir, "final.zkey"),
          }),
        );
        expect(noToken.message).to.contain("token is required on ethereum");
      } finally {
        await remote.stop();
      }
    });

    it("Should name a missing configuration variable, and refuse an RPC of another chain", async function () {
      const saved = process.env.SEPOLIA_RPC_URL;
      Reflect.deleteProperty(process.env, "SEPOLIA_RPC_URL");
      try {
        const hre = await taskRuntime("sepolia", { ignitionDir: path.join(dir, "ignition") });
        const missing = await rejection(runTask(hre, "rollup:status"));
        expect(missing.message).to.match(/SEPOLIA_RPC_URL/);
      } finally {
        if (saved !== undefined) process.env.SEPOLIA_RPC_URL = saved;
      }
      // bnbLocal's configuration pointed at the Polygon node.
      const wrong = await taskRuntime("bnbLocal", {
        ignitionDir: path.join(dir, "ignition"),
        override: { url: node("polygon").url },
      });
      const mismatch = await rejection(runTask(wrong, "rollup:status"));
      expect(mismatch.message).to.contain("network bnbLocal");
      expect(mismatch.message).to.contain("the RPC reports chain id 137, but chain id 56 is configured");
    });

    it("Should refuse an unknown network from the command line, and print each task's --help", async function () {
      const unknown = await hardhatCli(["rollup:status", "--network", "ethereumm"]);
      expect(unknown.code).to.not.equal(0);
      expect(unknown.output).to.match(/ethereumm/);
      const help = await hardhatCli(["rollup:stake", "--help"]);
      expect(help.code).to.equal(0);
      expect(help.output).to.contain("Stake tokens for the sending miner");
      expect(help.output).to.contain("--amount");
      expect(help.output).to.contain("--rollup");
    });
  });

  it("Should find the rollup by --rollup when no deployment folder is given", async function () {
    const hre = runtime("ethereum");
    const rollup = await deployedAddress(deploymentDir(path.join(dir, "ignition"), "zkpow-ethereumLocal"), "rollup");
    const status = await runTask(hre, "rollup:status", { rollup, deploymentId: "nothing-here" });
    expect(status).to.contain(`rollup ${rollup}`);
    const missing = await rejection(runTask(hre, "rollup:status", { deploymentId: "nothing-here" }));
    expect(missing.message).to.contain("no deployment in");
    expect(missing.message).to.contain("give --rollup <address>");
    const random = Wallet.createRandom().address;
    expect((await rejection(runTask(hre, "rollup:status", { rollup: random }))).message).to.contain(
      `no contract at ${random}`,
    );
  });
});

/** The hash of the transaction that created a contract (Ignition returns addresses only). */
async function findDeployment(chain: JsonRpcProvider, address: string): Promise<string> {
  const latest = await chain.getBlockNumber();
  for (let number = latest; number >= 0; number--) {
    const block = await chain.getBlock(number, true);
    for (const tx of block?.prefetchedTransactions ?? []) {
      const receipt = await chain.getTransactionReceipt(tx.hash);
      if (receipt?.contractAddress?.toLowerCase() === address.toLowerCase()) return tx.hash;
    }
  }
  throw new Error(`no deployment of ${address}`);
}
