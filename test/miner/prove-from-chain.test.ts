import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { Wallet } from "ethers";
import { network } from "hardhat";
import type { JsonRpcServer, NetworkConnection } from "hardhat/types/network";

import { REPO_ROOT } from "../../off-chain/circuits/index.js";
import { formatGenesis } from "../../off-chain/l2/index.js";
import { testCircuit } from "../helpers/circuit.js";
import { deployTestRollup, postSequences, TOKEN, type RollupFixture } from "../helpers/rollup.js";

interface Run {
  code: number | null;
  output: string;
}

describe("A miner that reads only the base chain (scripts/prove-from-chain.ts)", function () {
  let server: JsonRpcServer;
  let connection: NetworkConnection;
  let f: RollupFixture;
  let dir: string;
  let url: string;
  let genesisFile: string;
  const miner = Wallet.createRandom();

  before(async function () {
    await testCircuit();
    server = await network.createServer("default", "127.0.0.1", 0);
    const { port } = await server.listen();
    url = `http://127.0.0.1:${port}`;
    connection = await network.create({ network: "localhost", override: { url } });
    f = await deployTestRollup(connection);
    dir = await mkdtemp(path.join(tmpdir(), "zkpow-chain-"));
    genesisFile = path.join(dir, "genesis.json");
    await writeFile(
      genesisFile,
      formatGenesis({
        chainId: f.l2.chainId,
        treeDepth: f.l2.genesis.treeDepth,
        accounts: f.l2.keys.map((key, i) => ({
          publicKey: key.publicKey,
          balance: f.l2.genesis.account(i)?.balance ?? 0n,
        })),
      }),
    );
    // The miner: its own key, gas money, tokens and stake; nothing else is shared with it.
    await (await f.admin.sendTransaction({ to: miner.address, value: 10n ** 19n })).wait();
    await f.token.mint(miner.address, 1_000n * TOKEN);
    const signer = miner.connect(connection.ethers.provider);
    await (await f.token.connect(signer).approve(await f.rollup.getAddress(), 2n ** 255n)).wait();
    await (await f.rollup.connect(signer).stake(f.settings.minimumStake * 3n)).wait();
  });

  after(async function () {
    await connection.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs the script; mines T1's blocks when it says it waits for the reveal window. */
  function run(args: readonly string[], env: Record<string, string | undefined>): Promise<Run> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ["--import", "tsx", "scripts/prove-from-chain.ts", ...args], {
        cwd: REPO_ROOT,
        env: { ...process.env, ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      let mined = false;
      const collect = (text: string) => {
        output += text;
        if (!mined && output.includes("waiting for the reveal window")) {
          mined = true;
          connection.networkHelpers.mine(f.commitWindow).catch(reject);
        }
      };
      child.stdout.setEncoding("utf8").on("data", collect);
      child.stderr.setEncoding("utf8").on("data", collect);
      child.on("error", reject);
      child.on("close", (code) => {
        resolve({ code, output });
      });
    });
  }

  const flags = (genesis = genesisFile, chain = "31337") => [
    "--rpc",
    url,
    "--chain",
    chain,
    "--rollup",
    f.rollup.target as string,
    "--genesis",
    genesis,
  ];

  it("Should prove, commit and reveal a posted sequence from the chain's data and the genesis alone", async function () {
    await postSequences(f, 1);
    const result = await run(flags(), { MINER_PRIVATE_KEY: miner.privateKey });
    expect(result.code, result.output).to.equal(0);
    expect(result.output).to.contain("sequence 1 verified by this miner");
    const [verified] = await f.rollup.queryFilter(f.rollup.filters.SequenceVerified());
    expect(verified?.args.miner).to.equal(miner.address);
    expect(await f.rollup.stateRoot()).to.equal(f.sequences[0]?.states.at(-1)?.root);
  });

  it("Should refuse a genesis of another rollup, a missing key and an RPC of another chain, before sending anything", async function () {
    const other = path.join(dir, "other.json");
    await writeFile(
      other,
      formatGenesis({ chainId: f.l2.chainId + 1n, treeDepth: f.l2.genesis.treeDepth, accounts: [] }),
    );
    const nonce = await connection.ethers.provider.getTransactionCount(miner.address);
    const wrong = await run(flags(other), { MINER_PRIVATE_KEY: miner.privateKey });
    expect(wrong.code).to.equal(2);
    expect(wrong.output).to.contain(`${other} is for rollup chain id ${f.l2.chainId + 1n}`);
    const keyless = await run(flags(), { MINER_PRIVATE_KEY: undefined });
    expect(keyless.code).to.equal(2);
    expect(keyless.output).to.contain("set MINER_PRIVATE_KEY");
    // The node is chain 31337: named as BNB Chain (56), the script stops before reading the rollup.
    const bnb = await run(flags(genesisFile, "bnb"), { MINER_PRIVATE_KEY: miner.privateKey });
    expect(bnb.code).to.equal(2);
    expect(bnb.output).to.contain(`--rpc ${url}: the RPC reports chain id 31337, but chain id 56 is configured`);
    expect(await connection.ethers.provider.getTransactionCount(miner.address)).to.equal(nonce);
  });
});
