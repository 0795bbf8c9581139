import { writeFile } from "node:fs/promises";
import { join } from "node:path";

import { expect } from "chai";

import { openDatabase } from "../../off-chain/miner/db/index.js";
import { testCircuit } from "../helpers/circuit.js";
import { accountKey, minerConfig, startMinerNetwork, waitFor, type MinerNetwork } from "../helpers/miner.js";
import { CommitStatus, planSequences, type PlannedSequence } from "../helpers/rollup.js";
import { ServiceProcess } from "../helpers/service-process.js";

/** One JSON line of the miner's log (pino), with the fields these tests read. */
interface LogLine {
  readonly msg: string;
  /** ISO time of the line. */
  readonly time: string;
  readonly sequence?: number;
  readonly batch?: number;
  readonly kind?: string;
  readonly tasks?: number;
  readonly commits?: number;
  readonly seconds?: number;
  readonly url?: string;
}

/** A miner run as a person runs it: `node --import tsx scripts/miner.ts`, its own process, logging to a file. */
class MinerProcess extends ServiceProcess<LogLine> {
  constructor(name: string, logFile: string, configFile: string, privateKey: string) {
    super(
      name,
      logFile,
      "scripts/miner.ts",
      ["--config", configFile, "--no-status", "--log-file", logFile, "--metrics-port", "0"],
      { MINER_PRIVATE_KEY: privateKey },
      ["DATABASE_URL", "MINER_KEYSTORE"],
    );
  }
}

const at = (line: LogLine) => new Date(line.time).getTime();
const seconds = (ms: number) => Math.round(ms / 100) / 10;

/**
 * Crash safety (issue 8): the miner is a real process killed with SIGKILL at
 * the worst moments and restarted on the same database; it loses nothing.
 * Block production is in the test's hands (interval mining off, automine on:
 * each transaction is mined at once, no other block comes unless mined here),
 * so the reveal window cannot open while the miner is dead.
 */
describe("miner: crash safety (kill -9 and restart on the same database)", function () {
  const ACCOUNT = 3;
  const key = accountKey(ACCOUNT);
  let net: MinerNetwork;
  let configFile: string;
  let dataDir: string;
  let plan: PlannedSequence[];
  let stakeBefore: bigint;
  const runs: MinerProcess[] = [];
  /** What each kill cost, for the report. */
  const costs: Record<string, unknown>[] = [];

  const start = (name: string) => {
    const run = new MinerProcess(name, join(net.dir, `${name}.log`), configFile, key.privateKey);
    runs.push(run);
    return run;
  };
  const started = async (run: MinerProcess) => {
    const line = await run.waitForLine("miner started", (l) => l.msg === "miner started");
    return at(line) - run.spawnedAt;
  };
  const allLines = async () => (await Promise.all(runs.map((run) => run.lines()))).flat();
  const count = (lines: LogLine[], match: (line: LogLine) => boolean) => lines.filter(match).length;

  before(async function () {
    await testCircuit();
    net = await startMinerNetwork({ windowBlocks: 20, intervalMs: 250 });
    await net.request("evm_setIntervalMining", [0]);
    dataDir = join(net.dir, `miner-${ACCOUNT}`);
    // confirmations 0: with no interval mining the head block is the last transaction's, and it must be read.
    const { source: _source, ...config } = minerConfig([net], { dataDir, threads: 1, confirmations: 0 });
    configFile = join(net.dir, "miner.json");
    await writeFile(configFile, JSON.stringify(config, null, 2));
    plan = planSequences(net.fixture.l2, [
      [[[0, 1, 300n]]],
      [
        [[1, 2, 50n]],
        [
          [2, 3, 7n],
          [3, 0, 1n],
        ],
        [[0, 2, 11n]],
      ],
    ]);
    stakeBefore = (await net.fixture.rollup.getMiner(key.address)).stake;
  });

  after(async function () {
    for (const run of runs) if (run.exit === undefined) run.child.kill("SIGKILL");
    await Promise.all(runs.map((run) => run.exited));
    for (const cost of costs) console.log(`      [crash cost] ${JSON.stringify(cost)}`);
    // On a failure, what each run last said (the logs go with the network's directory).
    if (this.test?.parent?.tests.some((test) => test.state === "failed") === true) {
      for (const run of runs) console.log(`      [${run.name}] ${await run.tail()}`);
    }
    await net.close();
  });

  it("killed after its commit is mined and before its reveal, it reveals in the window on restart and is not penalised", async function () {
    const { rollup, sequencer, commitWindow, helpers } = net.fixture;
    const provider = net.fixture.ethers.provider;
    const sequence = plan[0];
    if (sequence === undefined) throw new Error("no plan");
    await rollup.connect(sequencer).sequenceBatches([...sequence.data], [...sequence.batchHashes]);

    const run1 = start("run1");
    const startup1 = await started(run1);
    // The kill moment comes from the chain: the commit is in a block.
    await waitFor(
      "run1's commit of sequence 1 on chain",
      async () => (await rollup.commitStatus(1n, 1, key.address)) === BigInt(CommitStatus.Committed),
      120_000,
      10,
    );
    const killedAt = await run1.kill();
    const atKill = await run1.lines();
    const commitMinedLogged = atKill.some((l) => l.msg === "commit mined");
    expect(atKill.some((l) => l.msg === "reveal sent")).to.equal(false);
    // The reveal window is shut, and stays so: nothing mines a block but a transaction or this test.
    const info = await rollup.getSequence(1n);
    expect(BigInt(await provider.getBlockNumber()) + 1n).to.be.lessThan(info.commitStart + BigInt(commitWindow));

    const run2 = start("run2");
    const resumed = await run2.waitForLine("resumed the commits in flight", (l) =>
      l.msg.startsWith("resumed the commits in flight"),
    );
    expect(resumed.commits).to.equal(1);
    const startup2 = await started(run2);
    const windowOpened = Date.now();
    await helpers.mine(commitWindow);
    const reveal = await run2.waitForLine("reveal sent", (l) => l.msg === "reveal sent" && l.sequence === 1);
    await waitFor("sequence 1 verified", async () => (await rollup.lastVerifiedBatch()) === 1n);

    const status = Number(await rollup.commitStatus(1n, 1, key.address));
    expect([CommitStatus.ProofVerified, CommitStatus.RewardClaimed]).to.include(status);
    const [verified] = await rollup.queryFilter(rollup.filters.SequenceVerified(1n));
    expect(verified?.args.miner).to.equal(key.address);
    expect(await rollup.stateRoot()).to.equal(sequence.states.at(-1)?.root);
    // Not penalised: the stake is whole, and no penalty event names the miner.
    expect((await rollup.getMiner(key.address)).stake).to.equal(stakeBefore);
    expect(await rollup.queryFilter(rollup.filters.CommitMissed(undefined, undefined, key.address))).to.have.length(0);
    expect(await rollup.queryFilter(rollup.filters.ProofRejected(undefined, undefined, key.address))).to.have.length(0);
    // Nothing was done twice: one commit on chain, one commit and one reveal transaction signed, one proof.
    expect(await rollup.queryFilter(rollup.filters.ProofHashCommitted(1n, undefined, key.address))).to.have.length(1);
    const lines = await allLines();
    const sent = (kind: string) => count(lines, (l) => l.msg === "transaction sent" && l.kind === kind);
    expect(sent("commit")).to.equal(1);
    expect(sent("reveal")).to.equal(1);
    expect(count(lines, (l) => l.msg === "proved a batch" && l.sequence === 1)).to.equal(1);
    expect(count(await run2.lines(), (l) => l.msg === "proved a batch")).to.equal(0);

    costs.push({
      kill: "after the commit is mined, before the reveal",
      minerHadLoggedCommitMined: commitMinedLogged,
      startupSeconds: [seconds(startup1), seconds(startup2)],
      killToRestartedSeconds: seconds(at(resumed) - killedAt),
      windowOpenToRevealSentSeconds: seconds(at(reveal) - windowOpened),
      batchProofsRedone: 0,
      newTransactionsSigned: sent("commit") + sent("reveal") - 2,
      rebroadcasts: count(lines, (l) => l.msg === "sending it again"),
    });
  });

  it("killed between two batch proofs of a 3-batch sequence, and again in the middle of one, it proves no stored proof again", async function () {
    const { rollup, sequencer, commitWindow, helpers } = net.fixture;
    const sequence = plan[1];
    if (sequence === undefined) throw new Error("no plan");
    expect(await rollup.lastVerifiedBatch(), "the first test verified sequence 1").to.equal(1n);
    const run2 = runs.find((run) => run.name === "run2" && run.exit === undefined) ?? start("run2b");
    await started(run2);
    await rollup.connect(sequencer).sequenceBatches([...sequence.data], [...sequence.batchHashes]);

    // Kill 1: at the first stored batch proof of sequence 2 (batch 2), before the next is done.
    const first = await run2.waitForLine("the first batch proof of sequence 2", (l) => {
      return l.msg === "proved a batch" && l.sequence === 2;
    });
    const firstKill = await run2.kill();
    expect(first.batch).to.equal(2);

    // Kill 2: in the middle of a batch proof (the metrics say a prover thread is busy).
    const run3 = start("run3");
    const startup3 = await started(run3);
    const resumed3 = (await run3.lines()).find((l) => l.msg === "resumed proof tasks left running by the last run");
    const metrics = await run3.waitForLine("metrics served", (l) => l.msg === "metrics served");
    await waitFor(
      "run3 proving a batch",
      async () => {
        const text = await (await fetch(metrics.url ?? "")).text();
        return /^zkpow_miner_prover_threads_busy [1-9]/m.test(text);
      },
      60_000,
      20,
    );
    const midKill = await run3.kill();
    const run3Started = at(await run3.waitForLine("miner started", (l) => l.msg === "miner started"));
    expect(
      count(await run3.lines(), (l) => l.msg === "proved a batch"),
      "run3 was killed before its proof was done",
    ).to.equal(0);

    const run4 = start("run4");
    const resumed4 = await run4.waitForLine("resumed proof tasks left running by the last run", (l) => {
      return l.msg === "resumed proof tasks left running by the last run";
    });
    expect(resumed4.tasks).to.equal(1);
    const startup4 = await started(run4);
    await run4.waitForLine("final proof stored", (l) => l.msg === "final proof stored" && l.sequence === 2);
    await waitFor(
      "run4's commit of sequence 2 on chain",
      async () => (await rollup.commitStatus(2n, 1, key.address)) === BigInt(CommitStatus.Committed),
    );
    await helpers.mine(commitWindow);
    await waitFor("sequence 2 verified", async () => (await rollup.lastVerifiedBatch()) === 4n);

    const status = Number(await rollup.commitStatus(2n, 1, key.address));
    expect([CommitStatus.ProofVerified, CommitStatus.RewardClaimed]).to.include(status);
    const [verified] = await rollup.queryFilter(rollup.filters.SequenceVerified(2n));
    expect(verified?.args.miner).to.equal(key.address);
    expect(await rollup.stateRoot()).to.equal(sequence.states.at(-1)?.root);
    expect((await rollup.getMiner(key.address)).stake).to.equal(stakeBefore);

    // Every batch proof logged exactly once over the four runs: a stored proof is never proven again, and a
    // proof cut by a kill was never stored (nor logged).
    const lines = await allLines();
    const proved = lines.filter((l) => l.msg === "proved a batch");
    const perBatch = new Map<string, number>();
    for (const line of proved) {
      const id = `${line.sequence}/${line.batch}`;
      perBatch.set(id, (perBatch.get(id) ?? 0) + 1);
    }
    expect(Object.fromEntries(perBatch)).to.deep.equal({ "1/1": 1, "2/2": 1, "2/3": 1, "2/4": 1 });
    const sent = (kind: string) => count(lines, (l) => l.msg === "transaction sent" && l.kind === kind);
    expect(sent("commit")).to.equal(2);
    expect(sent("reveal")).to.equal(2);

    // A graceful stop, then the database itself: batch 2 was claimed once; batch 3 once per run that started it.
    run4.child.kill("SIGTERM");
    expect((await run4.exited).code).to.equal(0);
    const store = await openDatabase({ dataDir });
    let attempts: Record<number, number>;
    try {
      const tasks = await store.db
        .selectFrom("proof_task")
        .select(["batch_index", "attempts", "status"])
        .where("sequence", "=", 2n)
        .where("kind", "=", "batch")
        .orderBy("batch_index")
        .execute();
      expect(tasks.map((t) => t.status)).to.deep.equal(["done", "done", "done"]);
      attempts = Object.fromEntries(tasks.map((t) => [t.batch_index, t.attempts]));
      const stored = await store.db
        .selectFrom("proof")
        .select((eb) => eb.fn.countAll<string>().as("count"))
        .where("sequence", "=", 2n)
        .executeTakeFirstOrThrow();
      // Three batch proofs, the aggregator and the final proof.
      expect(Number(stored.count)).to.equal(5);
    } finally {
      await store.close();
    }
    expect(attempts[0]).to.equal(1);
    expect(attempts[2]).to.equal(1);
    // Started by run3 and run4, and by run2 too if it had claimed it before the first kill.
    const claimedByRun2 = resumed3 !== undefined;
    expect(attempts[1]).to.equal(claimedByRun2 ? 3 : 2);

    const redo = proved.find((l) => l.sequence === 2 && l.batch === 3);
    costs.push({
      kill: "between two batch proofs (right after the first was stored)",
      killAfterLineMs: firstKill - at(first),
      nextBatchAlreadyClaimed: claimedByRun2,
      restartSeconds: seconds(startup3),
      batchProofsRedone: 0,
    });
    costs.push({
      kill: "in the middle of a batch proof",
      provingLostSeconds: seconds(midKill - run3Started),
      redoneProofSeconds: redo?.seconds,
      restartSeconds: seconds(startup4),
      batchProofsRedone: 1,
      newTransactionsSigned: 0,
    });
  });
});
