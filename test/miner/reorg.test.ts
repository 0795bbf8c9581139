import { join } from "node:path";

import { expect } from "chai";
import { toQuantity } from "ethers";

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
import { CommitStatus, planSequences, type PlannedSequence } from "../helpers/rollup.js";

/** T1 = T2 = this many blocks; every block is mined by the test (interval mining off, automine on). */
const WINDOW = 10;
/** The aggregator under test runs with Hardhat account #4 (fixture.miners[1]). */
const AGGREGATOR = 4;
const TIMEOUT_MS = 120_000;

/**
 * Reorgs of the base chain under a running miner, simulated on Hardhat: a
 * snapshot, the blocks the miner saw, a revert to the snapshot and other
 * blocks at the same heights (the first holds another account's transfer, so
 * no block of the new branch can equal the old one).
 */
describe("miner: base-chain reorgs", function () {
  let net: MinerNetwork | undefined;
  let miner: Miner | undefined;

  afterEach(async function () {
    await miner?.stop();
    miner = undefined;
    await net?.close();
    net = undefined;
  });

  async function manualChain(): Promise<MinerNetwork> {
    const chain = await startMinerNetwork({ windowBlocks: WINDOW });
    net = chain;
    await chain.request("evm_setIntervalMining", [0]);
    expect(chain.fixture.commitWindow).to.equal(WINDOW);
    return chain;
  }

  function plan(chain: MinerNetwork, transfers: readonly (readonly [number, number, bigint])[]): PlannedSequence {
    const [planned] = planSequences(chain.fixture.l2, [[transfers]]);
    if (planned === undefined) throw new Error("no plan");
    return planned;
  }

  async function post(chain: MinerNetwork, planned: PlannedSequence): Promise<void> {
    const { rollup, sequencer } = chain.fixture;
    await (await rollup.connect(sequencer).sequenceBatches([...planned.data], [...planned.batchHashes])).wait();
  }

  async function snapshot(chain: MinerNetwork): Promise<string> {
    return (await chain.request("evm_snapshot")) as string;
  }

  /**
   * Reverts to the snapshot, runs `during` and mines `blocks` other blocks; the first holds a transfer between
   * two accounts the miner does not use. Returns that transfer's hash. Automine is off meanwhile, so a
   * transaction the miner sends during the reorg waits for these blocks instead of taking the first height.
   */
  async function reorg(chain: MinerNetwork, id: string, blocks: number, during?: () => Promise<void>): Promise<string> {
    const { admin, outsider } = chain.fixture;
    await chain.request("evm_setAutomine", [false]);
    expect(await chain.request("evm_revert", [id])).to.equal(true);
    await during?.();
    const transfer = await outsider.sendTransaction({ to: admin.address, value: 1n });
    await chain.request("hardhat_mine", [toQuantity(blocks)]);
    await chain.request("evm_setAutomine", [true]);
    return transfer.hash;
  }

  async function commitsOf(chain: MinerNetwork, address: string) {
    const { rollup } = chain.fixture;
    return rollup.queryFilter(rollup.filters.ProofHashCommitted(1n, undefined, address), chain.deploymentBlock);
  }

  /** Mines T1 after the aggregator's commit and waits for its reveal to verify sequence 1. */
  async function revealAndVerify(chain: MinerNetwork, planned: PlannedSequence, aggregator: string): Promise<void> {
    const { rollup, helpers } = chain.fixture;
    await helpers.mine(WINDOW);
    await waitFor("sequence 1 verified", async () => (await rollup.lastVerifiedBatch()) === 1n, TIMEOUT_MS);
    const [verified] = await rollup.queryFilter(rollup.filters.SequenceVerified(1n), chain.deploymentBlock);
    expect(verified?.args.miner).to.equal(aggregator);
    expect(verified?.args.round).to.equal(1n);
    expect(verified?.args.newStateRoot).to.equal(planned.states.at(-1)?.root);
    expect(await rollup.stateRoot()).to.equal(planned.states.at(-1)?.root);
    expect(await rollup.commitStatus(1n, 1n, aggregator)).to.equal(BigInt(CommitStatus.ProofVerified));
  }

  /**
   * Proves sequence 1, lets the aggregator's commit be mined (and, with `final`, taken as final by the miner),
   * then replaces the commit's block by a reorg. Returns the commit as it was first mined.
   */
  async function commitThenReorg(
    chain: MinerNetwork,
    log: string,
    confirmations: number,
    final: boolean,
    during?: () => Promise<void>,
  ) {
    const { fixture } = chain;
    const aggregator = fixture.miners[1]?.address ?? "";
    const planned = plan(chain, [[0, 1, 300n]]);
    await post(chain, planned);
    // Deep enough for the follower, then the snapshot: the commit has not been sent yet.
    await fixture.helpers.mine(confirmations);
    const id = await snapshot(chain);
    const snapshotHead = await fixture.ethers.provider.getBlockNumber();
    const nonceBefore = await fixture.ethers.provider.getTransactionCount(aggregator);

    miner = await startMiner(
      minerConfig([chain], { dataDir: join(chain.dir, "miner"), confirmations }),
      AGGREGATOR,
      log,
    );
    const [first] = await waitFor(
      "the aggregator's commit",
      async () => {
        const events = await commitsOf(chain, aggregator);
        return events.length > 0 && events;
      },
      TIMEOUT_MS,
    );
    if (first === undefined) throw new Error("no commit");
    expect(first.blockNumber).to.equal(snapshotHead + 1);
    // What the miner knows of its commit before the reorg: mined but shallow, or final and committed.
    if (final) await logged(log, "commit mined");
    else await logged(log, "transaction mined, not yet final", (line) => line.block === String(first.blockNumber));

    const transfer = await reorg(chain, id, 3, during);
    const replaced = await fixture.ethers.provider.getBlock(first.blockNumber);
    expect(replaced?.hash).to.not.equal(first.blockHash);
    expect(replaced?.transactions).to.include(transfer);
    expect(await fixture.rollup.getSequence(1n).then((info) => info.commitStart)).to.equal(0n);
    return { planned, aggregator, first, nonceBefore };
  }

  it("sends its commit again when the commit's block is reorged out before it is final", async function () {
    const chain = await manualChain();
    const log = join(chain.dir, "shallow.log");
    const { planned, aggregator, first, nonceBefore } = await commitThenReorg(chain, log, 2, false);
    const { fixture } = chain;

    // The transaction manager notices its block is gone and sends the same signed commit again.
    await logged(log, "its block left the chain; sending it again");
    const [again] = await waitFor(
      "the aggregator's commit back on the chain",
      async () => {
        const events = await commitsOf(chain, aggregator);
        return events.length > 0 && events;
      },
      TIMEOUT_MS,
    );
    expect(again?.transactionHash).to.equal(first.transactionHash);
    expect(again?.blockHash).to.not.equal(first.blockHash);
    expect(again?.args.round).to.equal(1n);
    expect((await fixture.rollup.getSequence(1n)).commitStart).to.equal(BigInt(again?.blockNumber ?? 0));

    await revealAndVerify(chain, planned, aggregator);
    // The commit's nonce was used once, by the same transaction: one commit and one reveal in all.
    expect(await fixture.ethers.provider.getTransactionCount(aggregator)).to.equal(nonceBefore + 2);
    const lines = await readLog(log);
    expect(lines.filter((line) => line.msg === "commit sent")).to.have.length(1);
    for (const msg of ["the commit did not land", "transaction reverted", "the commit can no longer be revealed"]) {
      expect(lines.filter((line) => line.msg === msg).map((line) => line.msg)).to.deep.equal([]);
    }
  });

  it("commits again while T1 allows when a reorg deeper than its confirmations took out a final commit", async function () {
    const chain = await manualChain();
    const log = join(chain.dir, "deep.log");
    const { fixture } = chain;
    const account = fixture.miners[1]?.address ?? "";
    // On the new branch the node refuses the commit at first (its sender has no gas money), so that the miner
    // meets its commit neither on the chain nor in the node's pending block.
    let gas = 0n;
    const { planned, aggregator, first, nonceBefore } = await commitThenReorg(chain, log, 1, true, async () => {
      gas = await fixture.ethers.provider.getBalance(account);
      await chain.request("hardhat_setBalance", [account, "0x0"]);
    });

    // The transaction manager finds the nonce of a transaction it took as final free again and follows it again;
    // the proof sender, finding no commit on the chain, follows that transaction again: the commit is not missed,
    // nor made anew.
    await logged(log, "a final transaction left the chain (a reorg deeper than the confirmations); following it again");
    const gone = await logged(log, "the commit is no longer on the chain (reorg)");
    expect(gone).to.include({ round: 1, state: "committing" });
    expect(await commitsOf(chain, aggregator)).to.have.length(0);
    // Gas money again: the transaction manager's next send of it lands.
    await chain.request("hardhat_setBalance", [account, toQuantity(gas)]);

    const [again] = await waitFor(
      "the aggregator's commit back on the chain",
      async () => {
        const events = await commitsOf(chain, aggregator);
        return events.length > 0 && events;
      },
      TIMEOUT_MS,
    );
    expect(again?.transactionHash).to.equal(first.transactionHash);
    expect(again?.blockHash).to.not.equal(first.blockHash);
    expect(again?.args.round).to.equal(1n);
    expect((await fixture.rollup.getSequence(1n)).commitStart).to.equal(BigInt(again?.blockNumber ?? 0));
    await logged(log, "commit mined", (line) => line.block === again?.blockNumber);

    await revealAndVerify(chain, planned, aggregator);
    expect(await fixture.ethers.provider.getTransactionCount(aggregator)).to.equal(nonceBefore + 2);
    const lines = await readLog(log);
    for (const msg of ["the commit did not land", "transaction reverted", "the commit can no longer be revealed"]) {
      expect(lines.filter((line) => line.msg === msg).map((line) => line.msg)).to.deep.equal([]);
    }
  });

  it("proves the new data when the sequence it read is reorged out and another is posted at its number", async function () {
    const chain = await manualChain();
    const { fixture } = chain;
    const { rollup } = fixture;
    const aggregator = fixture.miners[1]?.address ?? "";
    const log = join(chain.dir, "posted.log");
    // Two different sequences that would both be sequence 1.
    const before = plan(chain, [[0, 1, 300n]]);
    const after = plan(chain, [
      [1, 2, 50n],
      [2, 3, 7n],
    ]);
    expect(before.states.at(-1)?.root).to.not.equal(after.states.at(-1)?.root);

    // Confirmations 0: the follower reads the head block itself.
    miner = await startMiner(
      minerConfig([chain], { dataDir: join(chain.dir, "miner"), confirmations: 0 }),
      AGGREGATOR,
      log,
    );
    await logged(log, "miner started");
    const id = await snapshot(chain);
    await post(chain, before);
    await logged(log, "read sequences", (line) => JSON.stringify(line.posted) === "[1]");
    // The prover is on the old data when the chain drops it.
    await logged(log, "planned proof tasks", (line) => line.sequence === 1);
    await waitFor("the prover busy", async () => (await miner?.status())?.provers.busy === 1, TIMEOUT_MS, 20);
    await chain.request("evm_revert", [id]);
    await post(chain, after);

    const [committed] = await waitFor(
      "the aggregator's commit",
      async () => {
        const events = await rollup.queryFilter(
          rollup.filters.ProofHashCommitted(1n, undefined, aggregator),
          chain.deploymentBlock,
        );
        return events.length > 0 && events;
      },
      TIMEOUT_MS,
    );
    expect(committed?.args.round).to.equal(1n);
    await revealAndVerify(chain, after, aggregator);

    const reorged = await logged(log, "reorg: rolled back the records above the fork point; reading again from there");
    expect(reorged.fork).to.be.lessThan(committed?.blockNumber ?? 0);
    const status = await miner.status();
    expect(status.chains[0]?.reorgs).to.be.at.least(1);
    expect(status.chains[0]?.sequences.seen).to.equal(1);
    const lines = await readLog(log);
    // The proof of the old data finished after the reorg: it was thrown away, not stored for the new sequence.
    expect(lines.filter((line) => line.msg === "a batch proof of data a reorg rolled back: discarded")).to.have.length(
      1,
    );
    for (const msg of ["the sequence's proofs do not assemble", "a batch proof failed", "the commit did not land"]) {
      expect(lines.filter((line) => line.msg === msg).map((line) => line.msg)).to.deep.equal([]);
    }
  });
});
