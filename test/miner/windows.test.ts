import { randomBytes } from "node:crypto";
import { join } from "node:path";

import { expect } from "chai";
import { hexlify } from "ethers";

import type { MinerConfig } from "../../off-chain/miner/config.js";
import { openDatabase } from "../../off-chain/miner/db/index.js";
import type { Miner } from "../../off-chain/miner/miner.js";
import {
  minerConfig,
  startMiner,
  startMinerNetwork,
  waitFor,
  type MinerNetwork,
  logged,
  readLog,
} from "../helpers/miner.js";
import {
  closeProver,
  commit,
  CommitStatus,
  planSequences,
  reveal,
  sequenceProof,
  type PlannedSequence,
} from "../helpers/rollup.js";

/** T1 = T2 = this many blocks; every block is mined by the test (interval mining off, automine on). */
const WINDOW = 10;
/** The aggregator under test runs with Hardhat account #4 (fixture.miners[1]); the test acts as #3 by hand. */
const AGGREGATOR = 4;
const TIMEOUT_MS = 120_000;

/**
 * The commit and reveal windows from the miner's side (docs/protocol.md, "The
 * two-step commit"): the base chain's blocks are mined by the test only, so
 * each window edge falls exactly where the test puts it.
 */
describe("miner: commit and reveal windows", function () {
  let net: MinerNetwork | undefined;
  let miner: Miner | undefined;

  afterEach(async function () {
    await miner?.stop();
    miner = undefined;
    await net?.close();
    net = undefined;
  });

  after(async function () {
    await closeProver();
  });

  /** A fresh chain with one single-batch sequence posted (sequence 1) and read deep enough for confirmations 1. */
  async function postedChain(): Promise<{ net: MinerNetwork; plan: PlannedSequence; config: MinerConfig }> {
    const chain = await startMinerNetwork({ windowBlocks: WINDOW });
    net = chain;
    await chain.request("evm_setIntervalMining", [0]);
    const { fixture } = chain;
    expect(fixture.commitWindow).to.equal(WINDOW);
    expect(fixture.revealWindow).to.equal(WINDOW);
    const [plan] = planSequences(fixture.l2, [[[[0, 1, 300n]]]]);
    if (plan === undefined) throw new Error("no plan");
    await fixture.rollup.connect(fixture.sequencer).sequenceBatches([...plan.data], [...plan.batchHashes]);
    return { net: chain, plan, config: minerConfig([chain], { dataDir: join(chain.dir, "miner"), confirmations: 1 }) };
  }

  async function head(chain: MinerNetwork): Promise<number> {
    return chain.fixture.ethers.provider.getBlockNumber();
  }

  async function commitsOf(chain: MinerNetwork, address: string, round?: number) {
    const { rollup } = chain.fixture;
    return rollup.queryFilter(rollup.filters.ProofHashCommitted(1n, round, address), chain.deploymentBlock);
  }

  it("does not commit into a closed commit window, and commits in the next round once that round failed", async function () {
    const { net: chain, plan, config } = await postedChain();
    const { fixture } = chain;
    const { rollup } = fixture;
    const [hand, aggregator] = fixture.miners;
    if (hand === undefined || aggregator === undefined) throw new Error("no miners");

    // Another miner opens round 1 (a commit it will never reveal), and T1 runs out before the aggregator starts:
    // the head is T1's last block, so any transaction sent now lands in the first block after T1.
    const opened = await (await rollup.connect(hand).commitProofHash(1n, hexlify(randomBytes(32)))).wait();
    const c = opened?.blockNumber ?? 0;
    await fixture.helpers.mineUpTo(c + WINDOW - 1);
    const nonceBefore = await fixture.ethers.provider.getTransactionCount(aggregator.address);

    const log = join(chain.dir, "slow.log");
    miner = await startMiner(config, AGGREGATOR, log);
    await logged(log, "final proof stored");
    const refused = await logged(log, "not committing now");
    expect(refused.reason).to.equal("CommitWindowClosed");
    expect(refused.round).to.equal(1);
    // Refused before sending: no transaction at all, so none mined and none reverted.
    expect(await commitsOf(chain, aggregator.address)).to.have.length(0);
    expect(await fixture.ethers.provider.getTransactionCount(aggregator.address)).to.equal(nonceBefore);
    expect(await head(chain)).to.equal(c + WINDOW - 1);
    let lines = await readLog(log);
    for (const msg of ["commit sent", "the commit was not sent", "the commit did not land", "transaction reverted"]) {
      expect(lines.filter((line) => line.msg === msg).map((line) => line.msg)).to.deep.equal([]);
    }

    // T2 passes with no reveal: round 1 failed, and the aggregator's commit opens round 2.
    await fixture.helpers.mineUpTo(c + 2 * WINDOW);
    const [committed] = await waitFor(
      "the aggregator's commit in round 2",
      async () => {
        const events = await commitsOf(chain, aggregator.address);
        return events.length > 0 && events;
      },
      TIMEOUT_MS,
    );
    expect(committed?.args.round).to.equal(2n);
    // In the first block where the round has failed, since the head did not move meanwhile.
    expect(committed?.blockNumber).to.equal(c + 2 * WINDOW + 1);
    const info = await rollup.getSequence(1n);
    expect(info.round).to.equal(2n);
    expect(info.commitStart).to.equal(BigInt(committed?.blockNumber ?? 0));

    // Its own T1, then its reveal verifies the sequence.
    await fixture.helpers.mine(WINDOW);
    const [verified] = await waitFor(
      "sequence 1 verified",
      async () => {
        const events = await rollup.queryFilter(rollup.filters.SequenceVerified(1n), chain.deploymentBlock);
        return events.length > 0 && events;
      },
      TIMEOUT_MS,
    );
    expect(verified?.args.miner).to.equal(aggregator.address);
    expect(verified?.args.round).to.equal(2n);
    expect(await rollup.stateRoot()).to.equal(plan.states.at(-1)?.root);
    expect(await rollup.commitStatus(1n, 2n, aggregator.address)).to.equal(BigInt(CommitStatus.ProofVerified));
    // One commit and one reveal, both mined; nothing reverted along the way.
    expect(await fixture.ethers.provider.getTransactionCount(aggregator.address)).to.equal(nonceBefore + 2);
    lines = await readLog(log);
    expect(lines.filter((line) => line.msg === "commit sent")).to.have.length(1);
    for (const msg of ["the commit was not sent", "the commit did not land", "transaction reverted"]) {
      expect(lines.filter((line) => line.msg === msg).map((line) => line.msg)).to.deep.equal([]);
    }
    // The opener of the failed round is still owed its penalty (anyone may settle it); the aggregator owes nothing.
    expect(await rollup.commitStatus(1n, 1n, hand.address)).to.equal(BigInt(CommitStatus.Committed));
    expect(await rollup.commitStatus(1n, 1n, aggregator.address)).to.equal(BigInt(CommitStatus.None));
  });

  it("reveals late after another miner's proof verified the sequence, and is paid its share", async function () {
    const { net: chain, plan, config } = await postedChain();
    const { fixture } = chain;
    const { rollup, settings } = fixture;
    const [hand, aggregator] = fixture.miners;
    if (hand === undefined || aggregator === undefined) throw new Error("no miners");
    await fixture.helpers.mine(1);
    const handProof = sequenceProof(fixture.l2, plan, hand.address);

    // The aggregator proves and opens round 1, then goes down before the reveal window opens.
    const firstLog = join(chain.dir, "late-1.log");
    miner = await startMiner(config, AGGREGATOR, firstLog);
    await logged(firstLog, "commit mined");
    await miner.stop();
    miner = undefined;
    const [opened] = await commitsOf(chain, aggregator.address, 1);
    const c = opened?.blockNumber ?? 0;
    expect(c).to.be.greaterThan(0);

    // Another miner commits in T1, reveals as the reveal window opens and verifies the sequence.
    const proof = await handProof;
    await commit(fixture, hand, 1n, proof);
    await fixture.helpers.mineUpTo(c + WINDOW - 1);
    await (await reveal(fixture, hand, 1n, plan, proof)).wait();
    const info = await rollup.getSequence(1n);
    expect(info.verifiedAt).to.equal(BigInt(c + WINDOW));
    expect(info.revealStart).to.equal(BigInt(c + WINDOW));
    const revealStart = Number(info.revealStart);

    // T2 ends with the aggregator still down; it comes back inside the late window.
    await fixture.helpers.mineUpTo(revealStart + WINDOW);
    const secondLog = join(chain.dir, "late-2.log");
    miner = await startMiner(config, AGGREGATOR, secondLog);
    const [late] = await waitFor(
      "the aggregator's late reveal",
      async () => {
        const events = await rollup.queryFilter(rollup.filters.ProofVerified(1n, 1n, aggregator.address), c);
        return events.length > 0 && events;
      },
      TIMEOUT_MS,
    );
    expect(late?.args.late).to.equal(true);
    expect(late?.blockNumber).to.be.greaterThan(revealStart + WINDOW - 1);
    expect(late?.blockNumber).to.be.at.most(revealStart + 2 * WINDOW - 1);
    const mined = await logged(secondLog, "reveal mined");
    expect(mined).to.include({ state: "verified", late: true, round: 1 });
    expect(await rollup.commitStatus(1n, 1n, aggregator.address)).to.equal(BigInt(CommitStatus.ProofVerified));

    // After the late window the aggregator claims: the fee is split between the two valid provers.
    await fixture.helpers.mineUpTo(revealStart + 2 * WINDOW);
    const [claimed] = await waitFor(
      "the aggregator's claim",
      async () => {
        const events = await rollup.queryFilter(rollup.filters.RewardClaimed(1n, aggregator.address), c);
        return events.length > 0 && events;
      },
      TIMEOUT_MS,
    );
    expect(claimed?.args.amount).to.be.greaterThan(0n);
    expect(claimed?.args.amount).to.equal(settings.batchFee / 2n);
    expect(await rollup.commitStatus(1n, 1n, aggregator.address)).to.equal(BigInt(CommitStatus.RewardClaimed));
    const status = await waitFor(
      "the claim recorded",
      async () => {
        const snapshot = await miner?.status();
        return snapshot !== undefined && (snapshot.chains[0]?.rewardsClaimed ?? 0n) > 0n && snapshot;
      },
      TIMEOUT_MS,
    );
    expect(status.chains[0]?.rewardsClaimed).to.equal(settings.batchFee / 2n);
    expect(status.chains[0]?.sequences.verifiedByOthers).to.equal(1);
  });

  it("after a failed round records its commit as missed and commits again in the next round", async function () {
    const { net: chain, plan, config } = await postedChain();
    const { fixture } = chain;
    const { rollup } = fixture;
    const aggregator = fixture.miners[1];
    if (aggregator === undefined) throw new Error("no miner");
    await fixture.helpers.mine(1);

    // The aggregator opens round 1 and goes down before revealing; T1 and T2 pass: the round fails.
    const firstLog = join(chain.dir, "failed-1.log");
    miner = await startMiner(config, AGGREGATOR, firstLog);
    await logged(firstLog, "commit mined");
    await miner.stop();
    miner = undefined;
    const [opened] = await commitsOf(chain, aggregator.address, 1);
    const c = opened?.blockNumber ?? 0;
    expect(c).to.be.greaterThan(0);
    await fixture.helpers.mineUpTo(c + 2 * WINDOW);

    const secondLog = join(chain.dir, "failed-2.log");
    miner = await startMiner(config, AGGREGATOR, secondLog);
    const missed = await logged(secondLog, "the commit can no longer be revealed");
    expect(missed).to.include({ round: 1, state: "missed", reason: "RevealWindowClosed" });
    const [again] = await waitFor(
      "the aggregator's commit in round 2",
      async () => {
        const events = await commitsOf(chain, aggregator.address, 2);
        return events.length > 0 && events;
      },
      TIMEOUT_MS,
    );
    expect((await rollup.getSequence(1n)).commitStart).to.equal(BigInt(again?.blockNumber ?? 0));

    await fixture.helpers.mine(WINDOW);
    await waitFor("sequence 1 verified", async () => (await rollup.lastVerifiedBatch()) === 1n, TIMEOUT_MS);
    const [verified] = await rollup.queryFilter(rollup.filters.SequenceVerified(1n), c);
    expect(verified?.args.miner).to.equal(aggregator.address);
    expect(verified?.args.round).to.equal(2n);
    expect(await rollup.stateRoot()).to.equal(plan.states.at(-1)?.root);
    // On chain the failed round's commit is still open: nobody settled it yet.
    expect(await rollup.commitStatus(1n, 1n, aggregator.address)).to.equal(BigInt(CommitStatus.Committed));
    await fixture.helpers.mine(1);
    await waitFor(
      "the reveal recorded",
      async () => (await miner?.status())?.chains[0]?.sequences.verifiedByUs === 1,
      TIMEOUT_MS,
    );

    // What the database kept: round 1 missed, round 2 verified, one commit transaction each.
    await miner.stop();
    miner = undefined;
    const store = await openDatabase({ dataDir: config.dataDir });
    try {
      const commits = await store.db
        .selectFrom("commit")
        .select(["round", "state"])
        .where("sequence", "=", 1n)
        .orderBy("round")
        .execute();
      expect(commits).to.deep.equal([
        { round: 1, state: "missed" },
        { round: 2, state: "verified" },
      ]);
      const txs = await store.db.selectFrom("tx").select(["kind", "round", "state"]).orderBy("nonce").execute();
      expect(txs).to.deep.equal([
        { kind: "commit", round: 1, state: "mined" },
        { kind: "commit", round: 2, state: "mined" },
        { kind: "reveal", round: 2, state: "mined" },
      ]);
    } finally {
      await store.close();
    }
  });
});
