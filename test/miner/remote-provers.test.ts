import { join } from "node:path";

import { expect } from "chai";

import { MinerConfigError, parseMinerConfig } from "../../off-chain/miner/config.js";
import type { Miner } from "../../off-chain/miner/miner.js";
import { planSequences } from "../helpers/rollup.js";
import {
  MINER_ACCOUNTS,
  minerConfig,
  PROVER_SECRET,
  startMiner,
  startMinerNetwork,
  waitFor,
  type MinerNetwork,
} from "../helpers/miner.js";
import { ServiceProcess } from "../helpers/service-process.js";

type ProverLine = { msg: string };

/**
 * A miner with no prover process of its own: two prover machines (`npm run prover`, separate processes) dial its
 * hub and prove a posted 2-batch sequence, which the miner assembles, commits and reveals.
 */
describe("miner: remote provers only", function () {
  let net: MinerNetwork;
  let miner: Miner | undefined;
  const provers: ServiceProcess<ProverLine>[] = [];

  before(async function () {
    net = await startMinerNetwork({ windowBlocks: 40, intervalMs: 250 });
  });

  after(async function () {
    await Promise.all(provers.map((prover) => prover.kill()));
    await miner?.stop();
    await net.close();
  });

  it("verifies a sequence proven only on remote prover machines, each batch proof counted once", async function () {
    const { rollup, sequencer, l2 } = net.fixture;
    const [sequence] = planSequences(l2, [[[[0, 1, 300n]], [[1, 2, 50n]]]]);
    if (sequence === undefined) throw new Error("no sequence planned");
    await rollup.connect(sequencer).sequenceBatches([...sequence.data], [...sequence.batchHashes]);

    const account = MINER_ACCOUNTS[0];
    const config = minerConfig([net], {
      dataDir: join(net.dir, "miner-remote"),
      threads: 0,
      proverHubListen: "127.0.0.1:0",
    });
    miner = await startMiner(config, account, join(net.dir, "miner-remote.log"));
    const port = miner.proverHubPort;
    expect(port).to.be.a("number");
    for (const name of ["left", "right"]) {
      const logFile = join(net.dir, `prover-${name}.log`);
      provers.push(
        new ServiceProcess<ProverLine>(
          name,
          logFile,
          "scripts/prover.ts",
          ["--aggregator", `127.0.0.1:${port}`, "--circuit", "b2d4", "--id", name, "--log-file", logFile],
          { ZKPOW_PROVER_SECRET: PROVER_SECRET },
        ),
      );
    }

    await waitFor("the sequence verified", async () => (await rollup.lastVerifiedBatch()) === 2n);
    expect(await rollup.stateRoot()).to.equal(sequence.states.at(-1)?.root);
    const running = miner;
    // The follower reads the verification once it is `confirmations` deep.
    const status = await waitFor("the verification read", async () => {
      const now = await running.status();
      return now.chains[0]?.sequences.verifiedByUs === 1 ? now : undefined;
    });
    expect(status.provers.threads).to.equal(0);
    expect(status.provers.remote.map((p) => p.id).sort()).to.deep.equal(["left", "right"]);
    expect(status.provers.remote.reduce((sum, p) => sum + p.proofs, 0)).to.equal(2);
    let proved = 0;
    for (const prover of provers) proved += (await prover.lines()).filter((line) => line.msg === "proved").length;
    expect(proved).to.equal(2);
  });

  it("refuses a config that would prove nothing, and a hub without its secret", function () {
    const chain = {
      name: "a",
      rpcUrl: "http://127.0.0.1:8545",
      chainId: 1,
      rollup: `0x${"11".repeat(20)}`,
      genesis: "g.json",
    };
    const base = { circuit: "b2d4", chains: [chain] };
    const parse =
      (json: object, env: NodeJS.ProcessEnv = {}) =>
      () =>
        parseMinerConfig(JSON.stringify({ ...base, ...json }), "miner.json", {}, env);
    expect(parse({ proverThreads: 0 })).to.throw(MinerConfigError, /proverThreads is 0 and there is no proverHub/);
    expect(parse({ proverHub: {} })).to.throw(MinerConfigError, /proverHub needs ZKPOW_PROVER_SECRET/);
    expect(parse({ proverHub: {} }, { ZKPOW_PROVER_SECRET: "short" })).to.throw(MinerConfigError, /at least 16/);
    expect(parse({ proverHub: { tlsCert: "cert.pem" } }, { ZKPOW_PROVER_SECRET: PROVER_SECRET })).to.throw(
      MinerConfigError,
      /tlsCert and tlsKey go together/,
    );
  });
});
