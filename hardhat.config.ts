import { createRequire } from "node:module";

import hardhatToolboxMochaEthers from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import { configVariable, defineConfig, task } from "hardhat/config";
import { ArgumentType } from "hardhat/types/arguments";
import type { NetworkUserConfig } from "hardhat/types/config";

import { blockTimeOf, CHAIN_DEFINITIONS, MAINNET_NAMES, simulatedNetworkName } from "./off-chain/deploy/chains.js";
import { ROLLUP_TASKS } from "./tasks/rollup/index.js";

// Hardhat must never download a compiler (these machines reach only the npm
// registry): every profile compiles with the soljson.js of the pinned `solc`
// package.
const require = createRequire(import.meta.url);
const SOLCJS_PATH = require.resolve("solc/soljson.js");
const SOLC_VERSION = (require("solc/package.json") as { version: string }).version;
// The library as Hardhat names a root file taken from npm (npmFilesToBuild): its import path.
const POSEIDON_T3 = "poseidon-solidity/PoseidonT3.sol";

// The real chains: their RPC URL and deployer key are configuration variables (the Hardhat keystore, then the
// environment), resolved only when a command connects, so nothing secret sits in the repo. The chain id makes
// Hardhat refuse an RPC of another chain.
const realNetworks: Record<string, NetworkUserConfig> = Object.fromEntries(
  Object.values(CHAIN_DEFINITIONS).map((chain) => [
    chain.name,
    {
      type: "http",
      chainType: "l1",
      chainId: chain.viem.id,
      url: configVariable(chain.rpcUrlVariable),
      accounts: [configVariable(chain.deployerKeyVariable)],
    },
  ]),
);

// The mainnets simulated in process, each with its chain id and viem's block time, under names that say they are
// simulations (network.create("bnbSim")).
const simulatedNetworks: Record<string, NetworkUserConfig> = Object.fromEntries(
  MAINNET_NAMES.map((name) => {
    const { viem } = CHAIN_DEFINITIONS[name];
    const interval = blockTimeOf(viem, name) * 1000;
    return [
      simulatedNetworkName(name),
      {
        type: "edr-simulated",
        chainType: "l1",
        chainId: viem.id,
        mining: { auto: true, interval },
        // Timestamps are whole seconds: blocks faster than one a second share them (as BNB Chain's do).
        ...(interval < 1000 ? { allowBlocksWithSameTimestamp: true } : {}),
      },
    ];
  }),
);

// Each mainnet on a local Hardhat node (`npx hardhat node --network ethereumSim --hostname 127.0.0.1 --port 8546`):
// a development chain with the mainnet's chain id, so its windows are converted with that chain's block time.
const LOCAL_PORTS = { ethereum: 8546, bnb: 8547, polygon: 8548 } as const;
const localNetworks: Record<string, NetworkUserConfig> = Object.fromEntries(
  MAINNET_NAMES.map((name) => [
    `${name}Local`,
    {
      type: "http",
      chainType: "l1",
      chainId: CHAIN_DEFINITIONS[name].viem.id,
      url: `http://127.0.0.1:${LOCAL_PORTS[name]}`,
    },
  ]),
);

const circuits = task("circuits", "Compile the circuits, run their Groth16 setup and export the verifiers (cached)")
  .addOption({
    name: "only",
    description: "Build only this circuit configuration (default: all of them)",
    type: ArgumentType.STRING,
    defaultValue: "",
  })
  .setAction(() => import("./tasks/circuits.js"))
  .build();

const ceremony = task(
  "circuits:ceremony",
  "Run one step of a circuit's phase-2 trusted-setup ceremony (docs/ceremony.md): init, contribute, verify, beacon, export",
)
  .addPositionalArgument({
    name: "action",
    description:
      "init (r1cs + ptau -> zkey 0000), contribute (--name), verify (transcript and zkeys, then snarkjs zkey verify), beacon (--value --iterations-exp --source: the final contribution), export (production verifiers of the final zkey)",
  })
  .addOption({
    name: "circuit",
    description: "The circuit configuration of the ceremony, e.g. b2d4 (required)",
    type: ArgumentType.STRING,
    defaultValue: "",
  })
  .addOption({
    name: "dir",
    description: "The ceremony directory: its transcript.json and zkeys (default: ceremonies/<circuit>/)",
    type: ArgumentType.STRING,
    defaultValue: "",
  })
  .addOption({
    name: "ptau",
    description:
      "init: the powers of tau to start from (default: ZKPOW_PTAU, else the shared development file); verify, export: where it is now (default: the path recorded at init; checked by sha256 either way)",
    type: ArgumentType.STRING,
    defaultValue: "",
  })
  .addOption({
    name: "name",
    description: "contribute: who contributes (recorded in the zkey and the transcript; at most 64 characters)",
    type: ArgumentType.STRING,
    defaultValue: "",
  })
  .addOption({
    name: "value",
    description: "beacon: the public value, hex (0x optional), announced beforehand, e.g. a future block's hash",
    type: ArgumentType.STRING,
    defaultValue: "",
  })
  .addOption({
    name: "iterationsExp",
    description: "beacon: 2^n hash iterations of the value, n from 10 to 63",
    type: ArgumentType.INT,
    defaultValue: 0,
  })
  .addOption({
    name: "source",
    description:
      'beacon: what the public value is, e.g. "Ethereum block 21000000\'s hash" (recorded in the transcript)',
    type: ArgumentType.STRING,
    defaultValue: "",
  })
  .addFlag({
    name: "allowFew",
    description:
      "beacon: allow fewer than 2 earlier contributions (tests only: one contributor is a single point of trust)",
  })
  .addOption({
    name: "out",
    description: "export: the directory of the verifiers and their record (default: contracts/verifiers/production/)",
    type: ArgumentType.STRING,
    defaultValue: "",
  })
  .addFlag({
    name: "skipVerify",
    description:
      "export: skip snarkjs zkey verify (only right after `verify` passed on this directory; the transcript is checked anyway)",
  })
  .setAction(() => import("./tasks/circuits-ceremony.js"))
  .build();

export default defineConfig({
  plugins: [hardhatToolboxMochaEthers],
  tasks: [circuits, ceremony, ...ROLLUP_TASKS],
  solidity: {
    // Libraries deployed on their own need artifacts of their own.
    npmFilesToBuild: [POSEIDON_T3],
    profiles: {
      default: {
        version: SOLC_VERSION,
        path: SOLCJS_PATH,
        settings: { optimizer: { enabled: true, runs: 200 } },
      },
      production: {
        compilers: [
          {
            version: SOLC_VERSION,
            path: SOLCJS_PATH,
            settings: { optimizer: { enabled: true, runs: 200 }, viaIR: true },
          },
        ],
        // poseidon-solidity's PoseidonT3 is hand-unrolled: through viaIR it grows to 29,315 bytes, over the
        // 24,576-byte limit. It gains nothing from viaIR, so it compiles without it (and deploys).
        overrides: {
          [POSEIDON_T3]: {
            version: SOLC_VERSION,
            path: SOLCJS_PATH,
            settings: { optimizer: { enabled: true, runs: 200 } },
          },
        },
      },
    },
  },
  networks: {
    // A node started with `npx hardhat node --hostname 127.0.0.1` (localhost may resolve to ::1 first).
    localhost: { type: "http", chainType: "l1", chainId: 31_337, url: "http://127.0.0.1:8545" },
    ...localNetworks,
    ...realNetworks,
    ...simulatedNetworks,
  },
  // Explorer verification (Etherscan's v2 API: one key for Ethereum, BNB Chain, Polygon and their testnets), e.g.
  // `npx hardhat ignition verify zkpow-sepolia`: Ignition's journal holds every contract's constructor arguments
  // and the rollup's linked PoseidonT3 (docs/deploy.md). Resolved only when verifying.
  verify: {
    etherscan: { apiKey: configVariable("ETHERSCAN_API_KEY") },
    // Sourcify needs no key, but reaches an outside host on every verify call: on only when asked for.
    sourcify: { enabled: false },
  },
  test: {
    mocha: { timeout: 600_000 },
  },
});
