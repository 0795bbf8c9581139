import { createRequire } from "node:module";

import hardhatToolboxMochaEthers from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import { defineConfig, task } from "hardhat/config";
import { ArgumentType } from "hardhat/types/arguments";

// Hardhat must never download a compiler (these machines reach only the npm
// registry): every profile compiles with the soljson.js of the pinned `solc`
// package.
const require = createRequire(import.meta.url);
const SOLCJS_PATH = require.resolve("solc/soljson.js");
const SOLC_VERSION = (require("solc/package.json") as { version: string }).version;
// The library as Hardhat names a root file taken from npm (npmFilesToBuild): its import path.
const POSEIDON_T3 = "poseidon-solidity/PoseidonT3.sol";

const circuits = task("circuits", "Compile the circuits, run their Groth16 setup and export the verifiers (cached)")
  .addOption({
    name: "only",
    description: "Build only this circuit configuration (default: all of them)",
    type: ArgumentType.STRING,
    defaultValue: "",
  })
  .setAction(() => import("./tasks/circuits.js"))
  .build();

export default defineConfig({
  plugins: [hardhatToolboxMochaEthers],
  tasks: [circuits],
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
    localhost: { type: "http", url: "http://127.0.0.1:8545" },
    // The three base chains, simulated side by side (network.create("bnb")),
    // each with its chain id and block time.
    ethereum: { type: "edr-simulated", chainType: "l1", chainId: 1, mining: { auto: true, interval: 12_000 } },
    bnb: { type: "edr-simulated", chainType: "l1", chainId: 56, mining: { auto: true, interval: 3_000 } },
    polygon: { type: "edr-simulated", chainType: "l1", chainId: 137, mining: { auto: true, interval: 2_000 } },
  },
  test: {
    mocha: { timeout: 600_000 },
  },
});
