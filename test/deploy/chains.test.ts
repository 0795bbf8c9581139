import { expect } from "chai";
import { Wallet, ZeroAddress } from "ethers";
import hre, { network } from "hardhat";
import type { JsonRpcServer, NetworkConnection } from "hardhat/types/network";
import { bsc, bscTestnet, mainnet, polygon, polygonAmoy, sepolia } from "viem/chains";

import { TEST_CIRCUIT } from "../../off-chain/circuits/index.js";
import {
  BASE_CHAINS,
  baseChain,
  CHAIN_DEFINITIONS,
  ChainFactsError,
  MAINNET_NAMES,
  secondsToBlocks,
  simulatedNetworkName,
  type BaseChainName,
} from "../../off-chain/deploy/chains.js";
import {
  assertChainId,
  assertRpcChainId,
  BlockTimeMismatchError,
  ChainMismatchError,
  checkBlockTime,
  checkDeployTarget,
} from "../../off-chain/deploy/check-chain.js";
import { rollupConfig } from "../../off-chain/deploy/deploy-rollup.js";
import { DEFAULT_SETTINGS } from "../../off-chain/deploy/settings.js";
import { forkNetwork } from "../helpers/fork.js";

const REAL: Record<BaseChainName, { id: number; rpc: string; key: string }> = {
  ethereum: { id: mainnet.id, rpc: "ETHEREUM_RPC_URL", key: "ETHEREUM_DEPLOYER_KEY" },
  sepolia: { id: sepolia.id, rpc: "SEPOLIA_RPC_URL", key: "SEPOLIA_DEPLOYER_KEY" },
  bnb: { id: bsc.id, rpc: "BNB_RPC_URL", key: "BNB_DEPLOYER_KEY" },
  bnbTestnet: { id: bscTestnet.id, rpc: "BNB_TESTNET_RPC_URL", key: "BNB_TESTNET_DEPLOYER_KEY" },
  polygon: { id: polygon.id, rpc: "POLYGON_RPC_URL", key: "POLYGON_DEPLOYER_KEY" },
  polygonAmoy: { id: polygonAmoy.id, rpc: "POLYGON_AMOY_RPC_URL", key: "POLYGON_AMOY_DEPLOYER_KEY" },
};

/** Runs `body` with environment variables set (a string) or unset (undefined), then restores them. */
async function withEnv<T>(vars: Record<string, string | undefined>, body: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) Reflect.deleteProperty(process.env, name);
      else process.env[name] = value;
    }
  };
  apply(vars);
  try {
    return await body();
  } finally {
    apply(saved);
  }
}

/** The error a promise rejects with (a test fails when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw error;
  }
  return expect.fail("expected a rejection");
}

/** A simulation of a mainnet without interval mining: blocks come only from hardhat_mine. */
async function quietSimulation(name: (typeof MAINNET_NAMES)[number]): Promise<NetworkConnection> {
  return network.create({ network: simulatedNetworkName(name), override: { mining: { auto: true, interval: 0 } } });
}

/** Mines `count` blocks `interval` seconds apart. */
async function mine(connection: NetworkConnection, count: number, interval: number): Promise<void> {
  await connection.provider.request({
    method: "hardhat_mine",
    params: [`0x${count.toString(16)}`, `0x${interval.toString(16)}`],
  });
}

describe("Base chains (viem's definitions, real and simulated networks, chain and block time checks)", function () {
  describe("# networks", function () {
    it("Should resolve the real chains' names to http networks with viem's chain ids and configuration variables", function () {
      for (const [name, expected] of Object.entries(REAL)) {
        const config = hre.config.networks[name];
        expect(config?.type, name).to.equal("http");
        if (config?.type !== "http") continue;
        expect(config.chainId, name).to.equal(expected.id);
        expect(CHAIN_DEFINITIONS[name as BaseChainName].viem.id, name).to.equal(expected.id);
        // Configuration variables, not values: nothing secret is in the config.
        expect(config.url).to.include({ _type: "ResolvedConfigurationVariable", name: expected.rpc });
        expect(config.accounts).to.be.an("array").with.lengthOf(1);
        expect((config.accounts as unknown[])[0]).to.include({ name: expected.key });
      }
    });

    it("Should name the in-process simulations as such, with each mainnet's chain id and viem's block time", function () {
      for (const name of MAINNET_NAMES) {
        const config = hre.config.networks[simulatedNetworkName(name)];
        expect(config?.type, name).to.equal("edr-simulated");
        if (config?.type !== "edr-simulated") continue;
        expect(config.chainId).to.equal(CHAIN_DEFINITIONS[name].viem.id);
        expect(config.mining.interval).to.equal(CHAIN_DEFINITIONS[name].viem.blockTime);
      }
      expect(hre.config.networks.bnbSim?.type).to.equal("edr-simulated");
    });

    it("Should refuse to connect to a real chain whose RPC URL is not configured, naming the variable", async function () {
      await withEnv({ SEPOLIA_RPC_URL: undefined }, async () => {
        expect((await rejection(network.create("sepolia"))).message).to.match(
          /Key "SEPOLIA_RPC_URL" not found|Configuration Variable "SEPOLIA_RPC_URL" not found/,
        );
      });
    });

    it("Should refuse to use a real chain's deployer whose key is not configured, naming the variable", async function () {
      const server = await network.createServer({
        network: "default",
        override: { chainId: sepolia.id, mining: { auto: true, interval: 0 } },
      });
      const { port } = await server.listen();
      try {
        await withEnv({ SEPOLIA_RPC_URL: `http://127.0.0.1:${port}`, SEPOLIA_DEPLOYER_KEY: undefined }, async () => {
          const connection = await network.create("sepolia");
          try {
            const error = await rejection(connection.provider.request({ method: "eth_accounts" }));
            expect(error.message).to.match(/"SEPOLIA_DEPLOYER_KEY" not found/);
          } finally {
            await connection.close();
          }
        });
      } finally {
        await server.close();
      }
    });

    it("Should refuse (Hardhat itself) a real network whose RPC is another chain", async function () {
      const server = await network.createServer("default", "127.0.0.1", 0);
      const { port } = await server.listen();
      try {
        // A throwaway key: the refusal comes before any account is used.
        const key = Wallet.createRandom().privateKey;
        await withEnv({ BNB_RPC_URL: `http://127.0.0.1:${port}`, BNB_DEPLOYER_KEY: key }, async () => {
          const connection = await network.create("bnb");
          try {
            const error = await rejection(connection.provider.request({ method: "eth_blockNumber" }));
            expect(error.message).to.contain('set to use chain id "56", but connected to a chain with id "31337"');
          } finally {
            await connection.close();
          }
        });
      } finally {
        await server.close();
      }
    });
  });

  describe("# chain facts from viem", function () {
    it("Should convert BNB Chain windows with viem's 0.75 s blocks", function () {
      expect(bsc.blockTime).to.equal(750);
      expect(BASE_CHAINS.bnb.blockTimeSeconds).to.equal(0.75);
      expect(BASE_CHAINS.bnb.chainId).to.equal(56);
      expect(BASE_CHAINS.bnb.viem?.nativeCurrency.symbol).to.equal("BNB");
      const config = rollupConfig(
        {
          chain: BASE_CHAINS.bnb,
          settings: DEFAULT_SETTINGS,
          circuit: TEST_CIRCUIT,
          rollupChainId: 1n,
          token: ZeroAddress,
        },
        ZeroAddress,
      );
      // 60 s and 120 s: 80 and 160 blocks (the old 3 s made them 20 and 40, a quarter of the time).
      expect(config.commitWindow).to.equal(80n);
      expect(config.revealWindow).to.equal(160n);
      expect(config.unbondingDelay).to.equal(secondsToBlocks(DEFAULT_SETTINGS.unbondingDelaySeconds, 0.75));
      expect(BASE_CHAINS.ethereum.blockTimeSeconds).to.equal(12);
      expect(BASE_CHAINS.polygon.blockTimeSeconds).to.equal(2);
    });

    it("Should refuse a chain viem gives no block time, unless one is given explicitly, and an unknown chain", function () {
      expect(sepolia.blockTime).to.equal(undefined);
      expect(() => baseChain("sepolia"))
        .to.throw(ChainFactsError)
        .with.property("message")
        .that.matches(/sepolia: viem's definition of Sepolia \(chain id 11155111\) has no blockTime/);
      expect(baseChain("sepolia", { blockTimeSeconds: 12 })).to.include({ chainId: 11155111, blockTimeSeconds: 12 });
      expect(() => baseChain("bsc")).to.throw(
        ChainFactsError,
        /unknown base chain "bsc"; known base chains: ethereum, sepolia/,
      );
    });
  });

  describe("# chain id checks", function () {
    it("Should refuse an RPC of another chain, naming both chain ids", async function () {
      const connection = await quietSimulation("bnb");
      try {
        expect(await assertChainId(connection.provider, 56, "bnb")).to.equal(56n);
        const error = await rejection(assertChainId(connection.provider, 1, "deploying to ethereum"));
        expect(error).to.be.instanceOf(ChainMismatchError);
        expect(error.message).to.equal(
          "deploying to ethereum: the RPC reports chain id 56, but chain id 1 is configured",
        );
        // ethers providers too.
        const viaEthers = await rejection(assertChainId(connection.ethers.provider, 137, "polygon"));
        expect(viaEthers).to.be.instanceOf(ChainMismatchError);
        expect(viaEthers.message).to.contain("chain id 56, but chain id 137");
      } finally {
        await connection.close();
      }
    });

    it("Should refuse a fork whose RPC is another chain (the fork itself would report the configured id)", async function () {
      const server: JsonRpcServer = await network.createServer("default", "127.0.0.1", 0);
      const { port } = await server.listen();
      const url = `http://127.0.0.1:${port}`;
      try {
        const direct = await rejection(assertRpcChainId(url, 56, "bnb"));
        expect(direct).to.be.instanceOf(ChainMismatchError);
        expect(direct.message).to.contain(`bnb (${url}): the RPC reports chain id 31337`);
        const fork = await rejection(forkNetwork("bnb", url));
        expect(fork).to.be.instanceOf(ChainMismatchError);
        expect(fork.message).to.equal(
          `the bnb fork (BNB_RPC_URL) (${url}): the RPC reports chain id 31337, but chain id 56 is configured`,
        );
      } finally {
        await server.close();
      }
    });

    it("Should fork a simulated mainnet from an RPC of that chain", async function () {
      const server = await network.createServer({
        network: simulatedNetworkName("bnb"),
        override: { mining: { auto: true, interval: 0 } },
      });
      const { port } = await server.listen();
      try {
        const fork = await forkNetwork("bnb", `http://127.0.0.1:${port}`);
        try {
          expect(await fork.provider.request({ method: "eth_chainId" })).to.equal("0x38");
        } finally {
          await fork.close();
        }
      } finally {
        await server.close();
      }
    });
  });

  describe("# block time at deploy", function () {
    it("Should refuse a chain whose blocks are 4x the assumed time (BNB at the old 3 s), unless allowed", async function () {
      const connection = await quietSimulation("bnb");
      try {
        await mine(connection, 60, 3);
        const refused = await rejection(checkBlockTime(connection.provider, BASE_CHAINS.bnb, { sampleBlocks: 50 }));
        expect(refused).to.be.instanceOf(BlockTimeMismatchError);
        expect(refused.message).to.contain(
          "bnb (chain id 56): the last 50 blocks came every 3.000 s on average, but windows would be converted with 0.75 s per block (300 % off, more than 25 %)",
        );
        const deploy = await rejection(checkDeployTarget(connection.provider, BASE_CHAINS.bnb, { sampleBlocks: 50 }));
        expect(deploy).to.be.instanceOf(BlockTimeMismatchError);
        const allowed = await checkBlockTime(connection.provider, BASE_CHAINS.bnb, {
          sampleBlocks: 50,
          allowMismatch: true,
        });
        expect(allowed).to.deep.equal({
          assumedSeconds: 0.75,
          measuredSeconds: 3,
          sampledBlocks: 50,
          deviation: 3,
          mismatch: true,
        });
        // Assumed 3 s against 0.75 s blocks (a quarter): refused the other way round too.
        const slow = await rejection(
          checkBlockTime(connection.provider, { ...BASE_CHAINS.bnb, blockTimeSeconds: 12 }, { sampleBlocks: 50 }),
        );
        expect(slow).to.be.instanceOf(BlockTimeMismatchError);
        expect(slow.message).to.contain("(75 % off");
      } finally {
        await connection.close();
      }
    });

    it("Should accept a block time within 25 % of the assumed one, and refuse one just over", async function () {
      const polygonSim = await quietSimulation("polygon");
      const ethereumSim = await quietSimulation("ethereum");
      try {
        await mine(polygonSim, 30, 2);
        const exact = await checkDeployTarget(polygonSim.provider, BASE_CHAINS.polygon, { sampleBlocks: 20 });
        expect(exact).to.include({ measuredSeconds: 2, deviation: 0, mismatch: false });
        // Ethereum assumes 12 s: 15 s is 25 % off (accepted), 16 s is 33 % (refused).
        await mine(ethereumSim, 30, 15);
        const edge = await checkBlockTime(ethereumSim.provider, BASE_CHAINS.ethereum, { sampleBlocks: 20 });
        expect(edge).to.include({ measuredSeconds: 15, deviation: 0.25, mismatch: false });
        await mine(ethereumSim, 30, 16);
        const over = await rejection(checkBlockTime(ethereumSim.provider, BASE_CHAINS.ethereum, { sampleBlocks: 20 }));
        expect(over).to.be.instanceOf(BlockTimeMismatchError);
        expect(over.message).to.contain("(33 % off");
      } finally {
        await polygonSim.close();
        await ethereumSim.close();
      }
    });

    it("Should measure a simulated chain's interval mining (1 s blocks where Ethereum's 12 s are assumed)", async function () {
      const connection = await network.create({
        network: simulatedNetworkName("ethereum"),
        override: { mining: { auto: true, interval: 1_000 } },
      });
      try {
        const deadline = Date.now() + 20_000;
        while (Number(await connection.provider.request({ method: "eth_blockNumber" })) < 4) {
          if (Date.now() > deadline) expect.fail("interval mining produced no blocks in 20 s");
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
        const error = await rejection(checkBlockTime(connection.provider, BASE_CHAINS.ethereum, { sampleBlocks: 3 }));
        expect(error).to.be.instanceOf(BlockTimeMismatchError);
        expect(error.message).to.contain("ethereum (chain id 1): the last 3 blocks came every");
      } finally {
        await connection.close();
      }
    });
  });
});
