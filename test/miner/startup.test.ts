import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";

import { expect } from "chai";
import { encryptKeystoreJsonSync, Wallet, type HDNodeWallet } from "ethers";
import pino from "pino";
import * as snarkjs from "snarkjs";

import {
  ensureCircuit,
  releaseSnarkjsWorkers,
  REPO_ROOT,
  type CircuitArtifacts,
} from "../../off-chain/circuits/index.js";
import { rollupConfig } from "../../off-chain/deploy/deploy-rollup.js";
import { formatGenesis } from "../../off-chain/l2/index.js";
import {
  loadMinerKey,
  MinerConfigError,
  parseMinerConfig,
  readMinerConfig,
  type MinerConfig,
} from "../../off-chain/miner/config.js";
import { Miner } from "../../off-chain/miner/miner.js";
import { testCircuit } from "../helpers/circuit.js";
import {
  accountKey,
  freshPostgresSchema,
  minerConfig,
  startMinerNetwork,
  type MinerNetwork,
} from "../helpers/miner.js";
import { TEST_SETTINGS } from "../helpers/rollup.js";

const QUIET = pino({ level: "silent" });

/**
 * What a miner checks before it sends anything (issue 8): the RPC's chain id,
 * the rollup's getConfig() against the circuit (batch size, depth, a verifier
 * holding its key), the genesis, the stake; the config file; where the key
 * comes from. Every bad case is one MinerConfigError naming what and where,
 * the miner's nonce does not move and no database is created.
 */
describe("miner: startup checks", function () {
  let net: MinerNetwork;
  let circuit: CircuitArtifacts;
  let cases = 0;

  before(async function () {
    circuit = await testCircuit();
    net = await startMinerNetwork({ intervalMs: 1000 });
  });

  after(async function () {
    await net.close();
    // The zkey cases start snarkjs's curve (a contribution, a refused start reading a key): its threads would keep
    // the test process alive.
    await releaseSnarkjsWorkers();
  });

  /** The config a staked miner (account 3) starts with, in a data directory of its own. */
  function goodConfig(): MinerConfig {
    cases += 1;
    return minerConfig([net], { dataDir: join(net.dir, `case-${cases}`, "data") });
  }

  function withChain(config: MinerConfig, change: Partial<MinerConfig["chains"][number]>): MinerConfig {
    const [chain] = config.chains;
    if (chain === undefined) throw new Error("no chain");
    return { ...config, chains: [{ ...chain, ...change }] };
  }

  const nonces = async (address: string) =>
    Promise.all([
      net.fixture.ethers.provider.getTransactionCount(address, "latest"),
      net.fixture.ethers.provider.getTransactionCount(address, "pending"),
    ]);

  /** Starts a miner that must be refused: one MinerConfigError matching every pattern, nothing sent or stored. */
  async function refused(
    config: MinerConfig,
    patterns: readonly (string | RegExp)[],
    options: { key?: Wallet | HDNodeWallet; circuit?: CircuitArtifacts | null } = {},
  ): Promise<MinerConfigError> {
    const key = options.key ?? accountKey(3);
    const before = await nonces(key.address);
    let failure: unknown;
    try {
      const miner = await Miner.start({
        config,
        key,
        log: QUIET,
        ...(options.circuit === null ? {} : { circuit: options.circuit ?? circuit }),
      });
      await miner.stop();
    } catch (error) {
      failure = error;
    }
    expect(failure, "the miner started").to.be.instanceOf(MinerConfigError);
    const error = failure as MinerConfigError;
    for (const pattern of patterns) {
      if (typeof pattern === "string") expect(error.message).to.contain(pattern);
      else expect(error.message).to.match(pattern);
    }
    expect(await nonces(key.address), "the miner sent a transaction").to.deep.equal(before);
    expect(existsSync(config.dataDir), `${config.dataDir} was created`).to.equal(false);
    return error;
  }

  describe("Miner.start", function () {
    it("starts with the right config and stops (the control: each case below changes one thing)", async function () {
      const config = goodConfig();
      const before = await nonces(accountKey(3).address);
      const miner = await Miner.start({ config, key: accountKey(3), log: QUIET, circuit });
      try {
        const status = await miner.status();
        expect(status.chains.map((chain) => [chain.name, chain.chainId])).to.deep.equal([["chain0", 31_337n]]);
      } finally {
        await miner.stop();
      }
      expect(existsSync(config.dataDir)).to.equal(true);
      // Nothing posted, nothing to commit: starting sends nothing.
      expect(await nonces(accountKey(3).address)).to.deep.equal(before);
    });

    it("refuses an RPC of another chain id than the config's", async function () {
      await refused(withChain(goodConfig(), { chainId: 31_338 }), [
        `chain chain0: the RPC at ${net.url} reports chain id 31337; the config says 31338`,
      ]);
    });

    it("checks every chain before sending on any: a bad second chain stops the first too", async function () {
      const config = goodConfig();
      const [first] = config.chains;
      if (first === undefined) throw new Error("no chain");
      await refused({ ...config, chains: [first, { ...first, name: "second", chainId: 5 }] }, [
        /^chain second: the RPC at .* reports chain id 31337; the config says 5$/,
      ]);
    });

    it("refuses an RPC that does not answer, or answers something other than JSON-RPC", async function () {
      const closed = await listen(createServer());
      const deadUrl = `http://127.0.0.1:${port(closed)}`;
      await close(closed);
      // One error, and nothing printed besides (ethers left to detect the network itself logs "retry in 1s").
      const printed: unknown[] = [];
      const consoleLog = console.log;
      console.log = (...args: unknown[]) => printed.push(args);
      try {
        await refused(withChain(goodConfig(), { rpcUrl: deadUrl }), [
          `chain chain0: the RPC at ${deadUrl} does not answer eth_chainId`,
          "ECONNREFUSED",
        ]);
      } finally {
        console.log = consoleLog;
      }
      expect(printed).to.deep.equal([]);

      const html = await listen(
        createServer((_request, response) => {
          response.writeHead(200, { "content-type": "text/html" }).end("<html>it works</html>");
        }),
      );
      try {
        const url = `http://127.0.0.1:${port(html)}`;
        await refused(withChain(goodConfig(), { rpcUrl: url }), [
          `chain chain0: the RPC at ${url} does not answer eth_chainId`,
          "not valid JSON",
        ]);
      } finally {
        await close(html);
      }
    });

    it("refuses a rollup address with no code, and a contract that is not a rollup", async function () {
      const nowhere = Wallet.createRandom().address;
      await refused(withChain(goodConfig(), { rollup: nowhere }), [`chain chain0: rollup ${nowhere} has no code`]);
      const token = net.fixture.token.target as string;
      await refused(withChain(goodConfig(), { rollup: token }), [
        `chain chain0: rollup ${token} does not answer getConfig() as a zkpow rollup does`,
      ]);
    });

    it("refuses circuit b1d4 against the b2d4 rollup before building the circuit", async function () {
      // Any build now fails at once: its cache folder would be under a file. The mismatch must come first.
      const blocker = join(net.dir, "not-a-cache-dir");
      await writeFile(blocker, "");
      const saved = process.env.ZKPOW_CACHE_DIR;
      process.env.ZKPOW_CACHE_DIR = join(blocker, "circuits");
      try {
        await refused(
          { ...goodConfig(), circuit: "b1d4" },
          [
            `chain chain0: rollup ${net.fixture.rollup.target as string} proves batches of 2 transfers at tree depth 4; circuit b1d4 has 1 and 4`,
          ],
          { circuit: null },
        );
      } finally {
        if (saved === undefined) delete process.env.ZKPOW_CACHE_DIR;
        else process.env.ZKPOW_CACHE_DIR = saved;
      }
    });

    it("refuses a rollup whose verifier does not hold the circuit's verification key", async function () {
      // The same rollup (b2d4, same genesis) but verifying with the b1d4 circuit's verifier: another zkey.
      const { ethers, token, l2, admin, sequencer } = net.fixture;
      const poseidon = await ethers.deployContract("PoseidonT3");
      const verifier = await ethers.deployContract("SequenceVerifierB1D4");
      const config = rollupConfig(
        {
          chain: { name: "local", chainId: net.chainId, blockTimeSeconds: 1, forkUrlVariable: "" },
          settings: TEST_SETTINGS,
          circuit: "b2d4",
          rollupChainId: l2.chainId,
          token: await token.getAddress(),
        },
        await verifier.getAddress(),
      );
      const rollup = await ethers.deployContract("ZkPowRollup", [config, l2.genesis.root, admin, sequencer], {
        libraries: { PoseidonT3: await poseidon.getAddress() },
      });
      await rollup.waitForDeployment();
      const address = await rollup.getAddress();
      const error = await refused(withChain(goodConfig(), { rollup: address }), [
        `chain chain0: rollup ${address} verifies with ${await verifier.getAddress()}, which does not hold circuit b2d4's verification key`,
        "the miner's zkey is not the rollup's",
      ]);
      const missing = Number(/\((\d+) of its words missing\)/.exec(error.message)?.[1]);
      expect(missing).to.be.greaterThan(0);
    });

    it("proves with a zkey of its own: starts when the rollup's verifier holds its key, refuses another zkey", async function () {
      // The development zkey, named as a ceremony's would be: the rollup's verifier holds its key.
      const config = { ...goodConfig(), zkey: circuit.zkeyPath };
      const miner = await Miner.start({ config, key: accountKey(3), log: QUIET });
      await miner.stop();

      // One more phase-2 contribution on it: the same circuit, another delta, so another key the verifier lacks.
      const other = join(net.dir, "other.zkey");
      await snarkjs.zKey.contribute(circuit.zkeyPath, other, "someone else", "entropy");
      const rollup = net.fixture.rollup.target as string;
      const verifier = (await net.fixture.rollup.getConfig()).verifier;
      await refused(
        { ...goodConfig(), zkey: other },
        [
          `chain chain0: rollup ${rollup} verifies with ${verifier}, which does not hold the verification key of zkey ${other} (4 of its words missing)`,
          "the miner's zkey is not the rollup's",
        ],
        { circuit: null },
      );
    });

    it("refuses a zkey that is missing, not a zkey, or of another circuit", async function () {
      const withZkey = (zkey: string): MinerConfig => ({ ...goodConfig(), zkey });
      const missing = withZkey(join(net.dir, "no.zkey"));
      await refused(missing, [`${missing.source}: zkey: zkey ${missing.zkey ?? ""} does not exist`], { circuit: null });
      const notZkeyPath = join(net.dir, "not.zkey");
      await writeFile(notZkeyPath, "zkey? no");
      const notZkey = withZkey(notZkeyPath);
      await refused(notZkey, [`${notZkey.source}: zkey: ${notZkeyPath} is not a usable zkey`], { circuit: null });
      const b1d4 = withZkey((await ensureCircuit("b1d4")).zkeyPath);
      await refused(
        b1d4,
        [
          // The wire count is the circuit's own (it moves with the circuit): the message names it and the kind.
          `${b1d4.source}: zkey: zkey ${b1d4.zkey ?? ""} is for a circuit of `,
          / \d+ wires and 6 public signals; circuit b2d4 has/,
        ],
        { circuit: null },
      );
    });

    it("refuses a genesis of another rollup chain id, another state, or no genesis at all", async function () {
      const { l2 } = net.fixture;
      const accounts = l2.keys.map((key, i) => ({
        publicKey: key.publicKey,
        balance: l2.genesis.account(i)?.balance ?? 0n,
      }));
      const otherChain = join(net.dir, "genesis-other-chain.json");
      await writeFile(otherChain, formatGenesis({ chainId: l2.chainId + 1n, treeDepth: 4, accounts }));
      await refused(withChain(goodConfig(), { genesis: otherChain }), [
        `chain chain0: rollup ${net.fixture.rollup.target as string} runs rollup chain id ${l2.chainId}; the genesis ${otherChain} is for ${l2.chainId + 1n}`,
      ]);

      const otherState = join(net.dir, "genesis-other-state.json");
      const richer = accounts.map((account, i) => (i === 0 ? { ...account, balance: account.balance + 1n } : account));
      await writeFile(otherState, formatGenesis({ chainId: l2.chainId, treeDepth: 4, accounts: richer }));
      await refused(withChain(goodConfig(), { genesis: otherState }), [
        `starts from state root ${l2.genesis.root}; the genesis ${otherState} has root`,
      ]);

      const missing = join(net.dir, "no-such-genesis.json");
      await refused(withChain(goodConfig(), { genesis: missing }), [
        `chain chain0: cannot use the genesis ${missing}: ENOENT`,
      ]);
    });

    it("refuses a miner without stake, and creates nothing in its PostgreSQL schema", async function () {
      const unstaked = accountKey(6);
      const { minimumStake, invalidProofPenalty } = TEST_SETTINGS;
      const required = invalidProofPenalty > minimumStake ? invalidProofPenalty : minimumStake;
      const postgres = await freshPostgresSchema();
      try {
        await refused(
          { ...goodConfig(), databaseUrl: postgres.url },
          [
            `chain chain0: rollup ${net.fixture.rollup.target as string}: miner ${unstaked.address} has stake 0; a commit needs ${required}`,
            `approve the token ${net.fixture.token.target as string} and call stake(amount)`,
          ],
          { key: unstaked },
        );
        const tables = await postgres.query(
          "select table_name from information_schema.tables where table_schema = $1",
          [postgres.schema],
        );
        expect(tables).to.deep.equal([]);
      } finally {
        await postgres.drop();
      }
    });
  });

  describe("the config file", function () {
    const source = "/etc/zkpow/miner.json";
    const chain = {
      name: "ethereum",
      rpcUrl: "http://127.0.0.1:8545",
      chainId: 1,
      rollup: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
      genesis: "genesis.json",
    };
    const parse = (json: unknown, env: Record<string, string> = {}) =>
      parseMinerConfig(typeof json === "string" ? json : JSON.stringify(json), source, {}, env);
    const parseError = (json: unknown, env: Record<string, string> = {}): MinerConfigError => {
      try {
        parse(json, env);
      } catch (error) {
        expect(error).to.be.instanceOf(MinerConfigError);
        return error as MinerConfigError;
      }
      throw new Error("the config was accepted");
    };

    it("accepts a minimal config, with defaults and paths resolved from the file's directory", function () {
      const config = parse({ circuit: "b2d4", chains: [chain] });
      expect(config.chains[0]?.genesis).to.equal("/etc/zkpow/genesis.json");
      expect(config.dataDir).to.equal("/etc/zkpow/.zkpow-miner");
      expect(config.chains[0]?.startBatch).to.equal(1);
      expect(config.databaseUrl).to.equal(undefined);
      expect(config.zkey).to.equal(undefined);
      expect(parse({ circuit: "b2d4", zkey: "keys/final.zkey", chains: [chain] }).zkey).to.equal(
        "/etc/zkpow/keys/final.zkey",
      );
    });

    it("names the file and the field of each mistake", function () {
      expect(parseError("{ circuit: b2d4 }").message).to.match(/^\/etc\/zkpow\/miner\.json: not JSON \(/);
      expect(parseError({ circuit: "b2d4", chains: [chain], proverTreads: 2 }).message).to.equal(
        `${source}: (top): Unrecognized key: "proverTreads"`,
      );
      expect(parseError({ circuit: "b2d4", chains: [{ ...chain, rpcURL: chain.rpcUrl }] }).message).to.contain(
        'chains.0: Unrecognized key: "rpcURL"',
      );
      const { rollup: _rollup, ...noRollup } = chain;
      expect(parseError({ circuit: "b2d4", chains: [noRollup] }).message).to.match(
        /^\/etc\/zkpow\/miner\.json: chains\.0\.rollup: /,
      );
      expect(parseError({ circuit: "b2d4", chains: [{ ...chain, rollup: "0x1234" }] }).message).to.equal(
        `${source}: chains.0.rollup: not an address`,
      );
      expect(parseError({ circuit: "b3d4", chains: [chain] }).message).to.equal(
        `${source}: circuit: not a circuit configuration (known: b1d4, b2d4, b4d4)`,
      );
      expect(parseError({ circuit: "b2d4", chains: [] }).message).to.match(/^\/etc\/zkpow\/miner\.json: chains: /);
    });

    it("refuses two chains of one name or one chain id", function () {
      expect(parseError({ circuit: "b2d4", chains: [chain, { ...chain, chainId: 56 }] }).message).to.equal(
        `${source}: two chains are named "ethereum"`,
      );
      expect(parseError({ circuit: "b2d4", chains: [chain, { ...chain, name: "again" }] }).message).to.equal(
        `${source}: chain id 1 appears twice (one rollup per base chain)`,
      );
    });

    it("refuses a key in the file, without repeating it", function () {
      const secret = Wallet.createRandom().privateKey;
      for (const json of [
        { circuit: "b2d4", chains: [chain], privateKey: secret },
        { circuit: "b2d4", chains: [chain], key: secret },
      ]) {
        const error = parseError(json);
        expect(error.message).to.contain(`${source}: a key does not belong in the config`);
        expect(error.message).not.to.contain(secret.slice(2));
      }
      const inChain = parseError({ circuit: "b2d4", chains: [{ ...chain, privateKey: secret }] });
      expect(inChain.message).to.contain('chains.0: Unrecognized key: "privateKey"');
      expect(inChain.message).not.to.contain(secret.slice(2));
    });

    it("refuses a database URL that is not PostgreSQL's, naming where it came from", function () {
      expect(parseError({ circuit: "b2d4", chains: [chain], databaseUrl: "mysql://db/miner" }).message).to.equal(
        `database URL must start with postgres:// or postgresql:// (from ${source})`,
      );
      expect(parseError({ circuit: "b2d4", chains: [chain] }, { DATABASE_URL: "db.sqlite" }).message).to.equal(
        "database URL must start with postgres:// or postgresql:// (from DATABASE_URL)",
      );
    });

    it("names a config file it cannot read", async function () {
      const file = join(net.dir, "no-such-miner.json");
      let failure: unknown;
      await readMinerConfig(file).catch((error: unknown) => (failure = error));
      expect(failure).to.be.instanceOf(MinerConfigError);
      expect((failure as Error).message).to.equal(`cannot read the miner config ${file}: ENOENT`);
    });
  });

  describe("the miner's key", function () {
    const wallet = accountKey(3);
    let keystore: string;

    before(async function () {
      keystore = join(net.dir, "keystore.json");
      // A low scrypt cost keeps the test fast; the decryption reads the cost from the file.
      const json = encryptKeystoreJsonSync({ address: wallet.address, privateKey: wallet.privateKey }, "right", {
        scrypt: { N: 1 << 10 },
      });
      await writeFile(keystore, json);
    });

    const keyError = async (env: Record<string, string>): Promise<MinerConfigError> => {
      let failure: unknown;
      await loadMinerKey(env).catch((error: unknown) => (failure = error));
      expect(failure, "a key was loaded").to.be.instanceOf(MinerConfigError);
      return failure as MinerConfigError;
    };

    it("loads MINER_PRIVATE_KEY, or the keystore with MINER_KEYSTORE_PASSWORD", async function () {
      expect((await loadMinerKey({ MINER_PRIVATE_KEY: wallet.privateKey })).address).to.equal(wallet.address);
      const fromStore = await loadMinerKey({ MINER_KEYSTORE: keystore, MINER_KEYSTORE_PASSWORD: "right" });
      expect(fromStore.address).to.equal(wallet.address);
    });

    it("refuses a bad MINER_PRIVATE_KEY without printing it", async function () {
      const bad = `${wallet.privateKey.slice(0, 40)}zz`;
      const error = await keyError({ MINER_PRIVATE_KEY: bad });
      expect(error.message).to.equal("MINER_PRIVATE_KEY is not a private key (32 bytes of hex)");
      expect((await keyError({ MINER_PRIVATE_KEY: "" })).message).to.contain("MINER_PRIVATE_KEY is not a private key");
    });

    it("refuses a keystore with a wrong or missing password, or no keystore file", async function () {
      const wrong = await keyError({ MINER_KEYSTORE: keystore, MINER_KEYSTORE_PASSWORD: "wrong" });
      expect(wrong.message).to.contain(`cannot decrypt the keystore ${keystore} (wrong MINER_KEYSTORE_PASSWORD`);
      expect((await keyError({ MINER_KEYSTORE: keystore })).message).to.equal(
        "MINER_KEYSTORE is set; set MINER_KEYSTORE_PASSWORD too",
      );
      const missing = join(net.dir, "no-keystore.json");
      expect((await keyError({ MINER_KEYSTORE: missing, MINER_KEYSTORE_PASSWORD: "right" })).message).to.equal(
        `cannot read MINER_KEYSTORE ${missing}: ENOENT`,
      );
    });

    it("refuses both sources at once, and none", async function () {
      expect(
        (
          await keyError({
            MINER_PRIVATE_KEY: wallet.privateKey,
            MINER_KEYSTORE: keystore,
            MINER_KEYSTORE_PASSWORD: "right",
          })
        ).message,
      ).to.equal("set MINER_PRIVATE_KEY or MINER_KEYSTORE, not both");
      expect((await keyError({})).message).to.equal(
        "no miner key: set MINER_PRIVATE_KEY, or MINER_KEYSTORE and MINER_KEYSTORE_PASSWORD (never a flag or the config file)",
      );
    });
  });

  describe("npm run miner", function () {
    /** Runs scripts/miner.ts with exactly this environment's miner variables (none inherited). */
    function run(
      args: readonly string[],
      env: Record<string, string> = {},
    ): Promise<{ code: number | null; output: string }> {
      const inherited = Object.fromEntries(
        Object.entries(process.env).filter(([name]) => !name.startsWith("MINER_") && name !== "DATABASE_URL"),
      );
      return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ["--import", "tsx", "scripts/miner.ts", "--no-status", ...args], {
          cwd: REPO_ROOT,
          env: { ...inherited, ...env },
          stdio: ["ignore", "pipe", "pipe"],
        });
        let output = "";
        child.stdout.setEncoding("utf8").on("data", (text: string) => (output += text));
        child.stderr.setEncoding("utf8").on("data", (text: string) => (output += text));
        child.on("error", reject);
        child.on("close", (code) => {
          resolve({ code, output });
        });
      });
    }

    it("refuses --private-key before reading anything, without printing the key", async function () {
      const secret = accountKey(3).privateKey;
      const result = await run(["--config", join(net.dir, "no-such-miner.json"), "--private-key", secret]);
      expect(result.code, result.output).to.equal(2);
      expect(result.output).to.contain("miner: the key is never a flag");
      expect(result.output).not.to.contain("no-such-miner.json");
      expect(result.output).not.to.contain(secret.slice(2));
    });

    it("exits 2 with one line for a config error and for an unstaked key, having sent nothing", async function () {
      const dir = join(net.dir, "cli");
      await mkdir(dir, { recursive: true });
      const good = goodConfig();
      const [chain] = good.chains;
      const json = {
        circuit: "b2d4",
        dataDir: "data",
        chains: [{ ...chain, name: "local" }],
      };
      const withKey = join(dir, "with-key.json");
      const secret = accountKey(6).privateKey;
      await writeFile(withKey, JSON.stringify({ ...json, privateKey: secret }));
      const keyInFile = await run(["--config", withKey], { MINER_PRIVATE_KEY: secret });
      expect(keyInFile.code, keyInFile.output).to.equal(2);
      expect(keyInFile.output.trim()).to.equal(
        `miner: ${withKey}: a key does not belong in the config; set MINER_PRIVATE_KEY, or MINER_KEYSTORE and MINER_KEYSTORE_PASSWORD`,
      );

      const file = join(dir, "miner.json");
      await writeFile(file, JSON.stringify(json));
      const unstaked = accountKey(6);
      const before = await nonces(unstaked.address);
      const result = await run(["--config", file], { MINER_PRIVATE_KEY: unstaked.privateKey });
      expect(result.code, result.output).to.equal(2);
      expect(result.output).to.match(
        new RegExp(`^miner: chain local: rollup 0x[0-9a-fA-F]{40}: miner ${unstaked.address} has stake 0;`),
      );
      // One line, no stack trace.
      expect(result.output.trimEnd().split("\n"), result.output).to.have.length(1);
      expect(await nonces(unstaked.address)).to.deep.equal(before);
      expect(existsSync(join(dir, "data"))).to.equal(false);
    });
  });
});

function listen(server: Server): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      resolve(server);
    });
  });
}

function port(server: Server): number {
  return (server.address() as AddressInfo).port;
}

function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => {
      if (error === undefined) resolve();
      else reject(error);
    });
  });
}
