import { join } from "node:path";

import { expect } from "chai";

import { openDatabase } from "../../off-chain/miner/db/index.js";
import type { Miner } from "../../off-chain/miner/miner.js";
import {
  accountKey,
  freshPostgresSchema,
  minerConfig,
  startMiner,
  startMinerNetwork,
  waitFor,
  type MinerNetwork,
  type PostgresSchema,
} from "../helpers/miner.js";
import { CommitStatus, planSequences, type PlannedSequence } from "../helpers/rollup.js";

/**
 * One miner process serving two base chains at once (issue 8): one config
 * with both chains, one database (PostgreSQL, in a fresh schema), one pool of
 * prover threads; it proves, commits, reveals and claims on both, with a nonce
 * count per chain. Beside it, a miner started with startBatch at the second
 * sequence of the first chain (on PGlite): it replays the first sequence for
 * its state but neither proves nor commits it, and proves the second.
 */
describe("miner: two base chains in one process, startBatch, PostgreSQL", function () {
  let a: MinerNetwork;
  let b: MinerNetwork;
  let postgres: PostgresSchema;
  const miners: Miner[] = [];

  before(async function () {
    // Two chains, two rollups with L2 chain ids of their own: a proof bound to one verifies on the other never.
    a = await startMinerNetwork({ chainId: 31_337, rollupChainId: 1_001n, windowBlocks: 60, intervalMs: 250 });
    b = await startMinerNetwork({ chainId: 31_338, rollupChainId: 2_002n, windowBlocks: 60, intervalMs: 250 });
    postgres = await freshPostgresSchema();
  });

  after(async function () {
    await Promise.all(miners.map((miner) => miner.stop()));
    await Promise.all([a.close(), b.close()]);
    await postgres.drop();
  });

  it("proves and verifies on both chains, nonces per chain; the startBatch miner proves only what it must", async function () {
    const plans = new Map<MinerNetwork, PlannedSequence[]>([
      [
        a,
        planSequences(a.fixture.l2, [
          [[[0, 1, 300n]]],
          [
            [[1, 2, 50n]],
            [
              [2, 3, 7n],
              [3, 0, 1n],
            ],
          ],
        ]),
      ],
      [b, planSequences(b.fixture.l2, [[[[2, 0, 5n]]], [[[0, 3, 9n]]]])],
    ]);
    const multi = accountKey(3).address;
    const late = accountKey(4).address;

    // The same account on both chains, its nonce there different: 2 on a (approve, stake), 5 on b.
    const [, , , minerOnB] = await b.fixture.ethers.getSigners();
    if (minerOnB?.address !== multi) throw new Error("account 3 is not the miner");
    for (let i = 0; i < 3; i++) await (await minerOnB.sendTransaction({ to: multi, value: 0n })).wait();
    const startNonce = new Map([
      [a, await a.fixture.ethers.provider.getTransactionCount(multi)],
      [b, await b.fixture.ethers.provider.getTransactionCount(multi)],
    ]);
    expect([startNonce.get(a), startNonce.get(b)]).to.deep.equal([2, 5]);

    for (const [net, plan] of plans) {
      for (const sequence of plan) {
        await net.fixture.rollup
          .connect(net.fixture.sequencer)
          .sequenceBatches([...sequence.data], [...sequence.batchHashes]);
      }
    }
    // startBatch 2: the first batch of a's second sequence. Started before the other miner proves: creating a PGlite
    // database holds this process's event loop for a second or more (more under proving load), and a request sent
    // right after may take a keep-alive connection the RPC server (in this process too) is closing: ECONNRESET.
    const lateDataDir = join(a.dir, "miner-4");
    const lateMiner = await startMiner(
      minerConfig([a], { dataDir: lateDataDir, startBatch: 2 }),
      4,
      join(a.dir, "miner-4.log"),
    );
    miners.push(lateMiner);
    const multiConfig = minerConfig([a, b], {
      dataDir: join(a.dir, "miner-3"),
      databaseUrl: postgres.url,
      threads: 2,
    });
    miners.unshift(await startMiner(multiConfig, 3, join(a.dir, "miner-3.log")));

    // Both chains verify both their sequences, each to its own replayed root.
    for (const [net, plan] of plans) {
      const last = plan.reduce((batches, sequence) => batches + BigInt(sequence.data.length), 0n);
      await waitFor(`chain ${net.chainId} verified to batch ${last}`, async () =>
        (await net.fixture.rollup.lastVerifiedBatch()) === last ? true : undefined,
      );
      expect(await net.fixture.rollup.stateRoot()).to.equal(plan.at(-1)?.states.at(-1)?.root);
    }

    // The two-chain miner committed in T1 and claimed on both chains, for both sequences.
    for (const net of [a, b]) {
      for (const sequence of [1n, 2n]) {
        const { round } = await net.fixture.rollup.getSequence(sequence);
        await waitFor(
          `miner 3's reward for sequence ${sequence} on chain ${net.chainId}`,
          async () =>
            (await net.fixture.rollup.commitStatus(sequence, round, multi)) === BigInt(CommitStatus.RewardClaimed),
        );
      }
    }

    // What the status view shows: both chains, each with its two sequences, one pool of prover threads.
    const status = await miners[0]?.status();
    expect(status?.chains.map((chain) => [chain.name, chain.chainId, chain.rollup])).to.deep.equal([
      ["chain0", 31_337n, a.fixture.rollup.target],
      ["chain1", 31_338n, b.fixture.rollup.target],
    ]);
    for (const chain of status?.chains ?? []) {
      expect(chain.sequences.seen, chain.name).to.equal(2);
      expect(chain.sequences.verifiedByUs + chain.sequences.verifiedByOthers, chain.name).to.equal(2);
      expect(chain.rewardsClaimed, chain.name).to.be.greaterThan(0n);
    }
    // b has no other miner: every sequence there was verified by this one.
    expect(status?.chains[1]?.sequences.verifiedByUs).to.equal(2);
    expect(status?.provers.threads).to.equal(2);

    // One database for both chains: the final proofs of the four sequences, in the fresh schema.
    const finals = await postgres.query<{ chain_id: string; sequence: string }>(
      "select chain_id, sequence from proof where miner = $1 and kind = 'final' order by chain_id, sequence",
      [multi],
    );
    expect(finals.map((row) => `${row.chain_id}/${row.sequence}`)).to.deep.equal([
      "31337/1",
      "31337/2",
      "31338/1",
      "31338/2",
    ]);

    // Nonces per chain: each chain's transactions number on from that chain's count, without gaps or sharing.
    const txs = await waitFor("every transaction of miner 3 mined", async () => {
      const rows = await postgres.query<{ chain_id: string; nonce: string; state: string; kind: string }>(
        "select chain_id, nonce, state, kind from tx where sender = $1 order by chain_id, nonce",
        [multi],
      );
      return rows.every((row) => row.state === "mined") ? rows : undefined;
    });
    const accounts = await postgres.query<{ chain_id: string; next_nonce: string }>(
      "select chain_id, next_nonce from account where address = $1 order by chain_id",
      [multi],
    );
    for (const [net, first] of startNonce) {
      const sent = txs.filter((row) => Number(row.chain_id) === net.chainId);
      const kinds = sent.map((row) => row.kind);
      expect(
        kinds.filter((kind) => kind === "commit"),
        `commits on ${net.chainId}`,
      ).to.have.length(2);
      expect(
        kinds.filter((kind) => kind === "reveal"),
        `reveals on ${net.chainId}`,
      ).to.have.length.at.least(1);
      expect(
        sent.map((row) => Number(row.nonce)),
        `nonces on ${net.chainId}`,
      ).to.deep.equal(Array.from({ length: sent.length }, (_, i) => first + i));
      const onChain = await net.fixture.ethers.provider.getTransactionCount(multi);
      expect(onChain, `nonce on ${net.chainId}`).to.equal(first + sent.length);
      expect(accounts.find((row) => Number(row.chain_id) === net.chainId)?.next_nonce).to.equal(String(onChain));
    }

    // The startBatch miner: nothing committed for sequence 1, its own proof of sequence 2 verified.
    const { rollup } = a.fixture;
    const { round: round2 } = await rollup.getSequence(2n);
    await waitFor(
      "miner 4's reward for sequence 2",
      async () => (await rollup.commitStatus(2n, round2, late)) === BigInt(CommitStatus.RewardClaimed),
    );
    expect(await rollup.queryFilter(rollup.filters.ProofHashCommitted(1n, undefined, late))).to.deep.equal([]);
    expect(await rollup.queryFilter(rollup.filters.ProofHashCommitted(2n, undefined, late))).to.have.length(1);
    // Sequence 1 was committed by miner 3 only.
    const commitsOf1 = await rollup.queryFilter(rollup.filters.ProofHashCommitted(1n));
    expect(commitsOf1.map((event) => event.args.miner)).to.deep.equal([multi]);

    // Its database: sequence 1 replayed (its roots), never planned nor proven; sequence 2 proven.
    await lateMiner.stop();
    const store = await openDatabase({ dataDir: lateDataDir });
    try {
      const sequences = await store.db
        .selectFrom("sequence")
        .select(["sequence", "old_state_root", "new_state_root"])
        .orderBy("sequence")
        .execute();
      const planA = plans.get(a) ?? [];
      expect(sequences).to.deep.equal([
        {
          sequence: 1n,
          old_state_root: planA[0]?.states[0]?.root.toString(),
          new_state_root: planA[0]?.states.at(-1)?.root.toString(),
        },
        {
          sequence: 2n,
          old_state_root: planA[1]?.states[0]?.root.toString(),
          new_state_root: planA[1]?.states.at(-1)?.root.toString(),
        },
      ]);
      const tasks = await store.db.selectFrom("proof_task").select(["sequence", "kind", "status"]).execute();
      expect(tasks.filter((task) => task.sequence === 1n)).to.deep.equal([]);
      expect(tasks.filter((task) => task.kind === "batch").map((task) => [task.sequence, task.status])).to.deep.equal([
        [2n, "done"],
        [2n, "done"],
      ]);
      const proofs = await store.db
        .selectFrom("proof")
        .select(["sequence", "kind"])
        .where("sequence", "=", 1n)
        .execute();
      expect(proofs).to.deep.equal([]);
      const sent = await store.db.selectFrom("tx").select(["sequence", "kind"]).where("sequence", "=", 1n).execute();
      expect(sent).to.deep.equal([]);
    } finally {
      await store.close();
    }
  });
});
