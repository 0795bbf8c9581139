import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

import { expect } from "chai";
import { pino } from "pino";

import { futureKey } from "../../off-chain/deploy/deployment-folder.js";
import { Sequencer } from "../../off-chain/sequencer/index.js";
import { readKeyFile } from "../../off-chain/wallet/index.js";
import { accountKey, startMinerNetwork, type MinerNetwork } from "../helpers/miner.js";
import { SequencerProcess, writeConfig } from "./process.js";

const REPO_ROOT = new URL("../../", import.meta.url).pathname;
const run = promisify(execFile);

/** Runs a script as `npm run <script> -- args` would; returns its exit code and output. */
async function script(
  file: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  // The caller's settings only: none of these may leak in from the shell that runs the tests.
  const unset = new Set([
    "DATABASE_URL",
    "L2_WALLET_KEY",
    "L2_WALLET_ACCOUNT",
    "SEQUENCER_URL",
    "SEQUENCER_PRIVATE_KEY",
  ]);
  const clean: NodeJS.ProcessEnv = {
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !unset.has(name))),
    ...env,
  };
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", file, ...args], {
      cwd: REPO_ROOT,
      env: clean,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

describe("sequencer and wallet commands", function () {
  let dir: string;

  before(async function () {
    dir = await mkdtemp(join(tmpdir(), "zkpow-sequencer-cli-"));
  });

  after(async function () {
    await rm(dir, { recursive: true, force: true });
  });

  describe("npm run sequencer", function () {
    it("names each bad config value, with the file", async function () {
      const file = join(dir, "bad.json");
      await writeConfig(file, {
        rpcUrl: "ftp://127.0.0.1:1",
        rollup: "0x1234",
        genesis: "genesis.json",
        circuit: "b9d9",
        port: 70_000,
        batchTimeoutMs: -1,
        unknownField: 1,
      });
      const { code, stderr } = await script("scripts/sequencer.ts", ["--config", file], {
        SEQUENCER_PRIVATE_KEY: "0x" + "11".repeat(32),
      });
      expect(code).to.equal(2);
      for (const field of ["rpcUrl", "rollup: not an address", "circuit: not a circuit", "port", "batchTimeoutMs"]) {
        expect(stderr).to.include(field);
      }
      expect(stderr).to.include(file);
      expect(stderr).to.include("unknownField");
    });

    it("refuses a key given as a flag, and without one says which variable to set", async function () {
      const flag = await script("scripts/sequencer.ts", ["--private-key", "0x" + "11".repeat(32)]);
      expect(flag.code).to.equal(2);
      expect(flag.stderr).to.include("never a flag");
      const file = join(dir, "good.json");
      await writeConfig(file, {
        rpcUrl: "http://127.0.0.1:1",
        rollup: "0x" + "12".repeat(20),
        genesis: "genesis.json",
        circuit: "b2d4",
      });
      const missing = await script("scripts/sequencer.ts", ["--config", file]);
      expect(missing.code).to.equal(2);
      expect(missing.stderr).to.include("SEQUENCER_PRIVATE_KEY");
      const bad = await script("scripts/sequencer.ts", ["--config", file], { SEQUENCER_PRIVATE_KEY: "0x1234" });
      expect(bad.code).to.equal(2);
      expect(bad.stderr).to.include("not a 32-byte hex private key");
    });
  });

  describe("npm run sequencer --network", function () {
    it("names the known networks, the missing RPC variable, and the missing deployment", async function () {
      const unknown = await script("scripts/sequencer.ts", ["--network", "nowhere"]);
      expect(unknown.code).to.equal(2);
      expect(unknown.stderr).to.include('unknown network "nowhere"');
      expect(unknown.stderr).to.include("sepolia");
      const noRpc = await script("scripts/sequencer.ts", [
        "--network",
        "sepolia",
        "--rollup",
        "0x" + "12".repeat(20),
        "--genesis",
        "genesis.json",
        "--circuit",
        "b2d4",
      ]);
      expect(noRpc.code).to.equal(2);
      expect(noRpc.stderr).to.include("set SEPOLIA_RPC_URL");
      const noDeployment = await script("scripts/sequencer.ts", ["--network", "localhost", "--circuit", "b2d4"]);
      expect(noDeployment.code).to.equal(2);
      expect(noDeployment.stderr).to.include(join("ignition", "deployments", "zkpow-localhost"));
    });
  });

  describe("on a running chain", function () {
    let net: MinerNetwork;
    let sequencer: Sequencer;

    before(async function () {
      net = await startMinerNetwork({ windowBlocks: 30, intervalMs: 250 });
      sequencer = await Sequencer.start({
        rpcUrl: net.url,
        rollup: net.fixture.rollup.target as string,
        privateKey: accountKey(1).privateKey,
        genesis: net.genesisFile,
        circuit: "b2d4",
        deploymentBlock: net.deploymentBlock,
        dataDir: join(dir, "sequencer"),
        port: 0,
        batchTimeoutMs: 100,
        confirmations: 1,
        pollIntervalMs: 100,
        logger: pino({ level: "silent" }),
      });
    });

    after(async function () {
      await sequencer.stop();
      await net.close();
    });

    it("npm run sequencer finds the rollup and genesis in an Ignition deployment folder", async function () {
      const deployment = join(dir, "deployment");
      await mkdir(deployment);
      await writeFile(
        join(deployment, "deployed_addresses.json"),
        JSON.stringify({ [futureKey("rollup")]: net.fixture.rollup.target }),
      );
      await copyFile(net.genesisFile, join(deployment, "genesis.json"));
      // What rollup:deploy publishes beside Ignition's record: where the rollup's history starts.
      await writeFile(join(deployment, "rollup.json"), JSON.stringify({ deploymentBlock: net.deploymentBlock }));
      const started = new SequencerProcess(
        "from-deployment",
        join(dir, "from-deployment.log"),
        undefined,
        accountKey(1).privateKey,
        [
          "--deployment",
          deployment,
          "--rpc-url",
          net.url,
          "--circuit",
          "b2d4",
          "--port",
          "0",
          "--data-dir",
          join(dir, "d2"),
        ],
      );
      try {
        const line = await started.waitForLine("start", (l) => l.msg === "sequencer started");
        expect(line.rollup).to.equal(net.fixture.rollup.target);
      } finally {
        await started.kill();
      }
    });

    it("creates a key file (owner-only, never overwritten) and prints its genesis entry", async function () {
      const file = join(dir, "new-key.json");
      const created = await script("scripts/wallet.ts", ["create", "--key", file]);
      expect(created.code, created.stderr).to.equal(0);
      const key = await readKeyFile(file);
      expect(created.stdout).to.include(key.publicKey.x.toString());
      expect((await stat(file)).mode & 0o777).to.equal(0o600);
      const again = await script("scripts/wallet.ts", ["create", "--key", file]);
      expect(again.code).to.equal(1);
      expect(again.stderr).to.include("exists");
    });

    it("shows an account, sends a transfer with the next nonce, and waits with a timeout", async function () {
      // Account 2's key, as a key file (the test genesis's keys are deterministic).
      const keyFile = join(dir, "account2.json");
      const secret = Buffer.alloc(32, 3).toString("hex");
      await writeFile(keyFile, JSON.stringify({ version: 1, privateKey: "0x" + secret }));
      const env = { SEQUENCER_URL: sequencer.url };
      const shown = await script("scripts/wallet.ts", ["show", "--account", "2"], env);
      expect(shown.code, shown.stderr).to.equal(0);
      expect((JSON.parse(shown.stdout) as { pending: { balance: string } }).pending.balance).to.equal("3000");

      const sent = await script(
        "scripts/wallet.ts",
        ["send", "--key", keyFile, "--account", "2", "--to", "0", "--amount", "25"],
        env,
      );
      expect(sent.code, sent.stderr).to.equal(0);
      const id = sent.stdout.trim();
      expect(id).to.match(/^0x[0-9a-f]{64}$/);
      const second = await script(
        "scripts/wallet.ts",
        ["send", "--key", keyFile, "--account", "2", "--to", "1", "--amount", "5"],
        env,
      );
      expect(second.code, second.stderr).to.equal(0);
      const after = JSON.parse((await script("scripts/wallet.ts", ["show", "--account", "2"], env)).stdout) as {
        pending: { balance: string; nonce: string };
      };
      expect(after.pending).to.deep.equal({ balance: "2970", nonce: "2" });

      const wrongAccount = await script(
        "scripts/wallet.ts",
        ["send", "--key", keyFile, "--account", "1", "--to", "0", "--amount", "1"],
        env,
      );
      expect(wrongAccount.code).to.equal(2);
      expect(wrongAccount.stderr).to.include("public key is not the one");
      const overdraft = await script(
        "scripts/wallet.ts",
        ["send", "--key", keyFile, "--account", "2", "--to", "0", "--amount", "999999"],
        env,
      );
      expect(overdraft.code).to.equal(1);
      expect(overdraft.stderr).to.include("OVERDRAFT");

      // No miner runs here: the transfer is posted, never verified, and wait says so.
      const waited = await script("scripts/wallet.ts", ["wait", id, "--timeout", "2s"], env);
      expect(waited.code).to.equal(1);
      expect(waited.stderr).to.match(/still (pending|posted)/);
      const unreachable = await script("scripts/wallet.ts", ["show", "--account", "2"], {
        SEQUENCER_URL: "http://127.0.0.1:1",
      });
      expect(unreachable.code).to.equal(1);
      expect(unreachable.stderr).to.include("UNREACHABLE");
      expect(await readFile(keyFile, "utf8")).to.include(secret);
    });
  });
});
