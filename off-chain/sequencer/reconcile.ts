import { hexlify } from "ethers";
import type { Kysely } from "kysely";
import type { Logger } from "pino";

import { readPostedSequences } from "../chain/chain-data.js";
import { decodeBatchData, type L2State } from "../l2/index.js";
import type { ZkPowRollup } from "../../types/ethers-contracts/index.js";
import type { SequencerDatabase } from "./db/schema.js";
import type { RollupView } from "./rollup-view.js";

/**
 * Brings the database in line with the chain before anything is posted, and
 * rebuilds the pending state. The chain is read whole (every posted
 * sequence's bytes, from the posting transactions' calldata): a batch of ours
 * whose bytes are on chain is posted, whatever the database says (it is then
 * recorded so, never posted again); the pending state is the genesis, then
 * every batch on chain in order, then our batches not on chain, then the
 * mempool, in the order of acceptance.
 */
export async function reconcile(options: {
  readonly db: Kysely<SequencerDatabase>;
  readonly rollup: ZkPowRollup;
  readonly deploymentBlock: number;
  readonly genesisState: L2State;
  readonly rollupChainId: bigint;
  readonly treeDepth: number;
  readonly view: RollupView;
  readonly log: Logger;
}): Promise<L2State> {
  const { db, rollup, view, log, rollupChainId, treeDepth } = options;
  const posted = await readPostedSequences(rollup, options.deploymentBlock);
  const onChain = new Map<string, { batch: bigint; sequence: bigint; lastBatch: bigint; tx: string; block: number }>();
  let state = options.genesisState;
  for (const sequence of posted) {
    view.remember(
      sequence.sequence,
      sequence.batches.map((b) => b.data),
    );
    sequence.batches.forEach((batch, i) => {
      const key = hexlify(batch.data);
      if (onChain.has(key)) log.error({ sequence: sequence.sequence }, "the same batch bytes are on chain twice");
      onChain.set(key, {
        batch: sequence.sequence + BigInt(i),
        sequence: sequence.sequence,
        lastBatch: sequence.lastBatch,
        tx: sequence.transactionHash,
        block: sequence.blockNumber,
      });
      state = state.applyBatch(decodeBatchData(batch.data, treeDepth), rollupChainId).state;
    });
  }
  view.lastPostedByUs = posted.at(-1)?.lastBatch ?? 0n;

  const batches = await db
    .selectFrom("batch")
    .leftJoin("posting", "posting.id", "batch.posting_id")
    .select(["batch.id", "batch.data", "posting.state"])
    .orderBy("batch.id")
    .execute();
  // Batches on chain that no posting of ours accounts for (a posting whose transaction this database lost):
  // recorded as posted, grouped by the sequence that carries them.
  const found = new Map<bigint, number[]>();
  for (const batch of batches) {
    const chain = onChain.get(hexlify(batch.data));
    if (chain === undefined) {
      state = state.applyBatch(decodeBatchData(batch.data, treeDepth), rollupChainId).state;
    } else if (batch.state !== "sending" && batch.state !== "posted") {
      found.set(chain.sequence, [...(found.get(chain.sequence) ?? []), batch.id]);
    }
  }
  for (const [sequence, ids] of found) {
    const chain = [...onChain.values()].find((c) => c.sequence === sequence);
    if (chain === undefined) continue;
    await db.transaction().execute(async (trx) => {
      const posting = await trx
        .insertInto("posting")
        .values({
          tx_id: null,
          state: "posted",
          sequence,
          last_batch: chain.lastBatch,
          tx_hash: chain.tx,
          block_number: BigInt(chain.block),
          error: null,
          created_at: new Date(),
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      await trx.updateTable("batch").set({ posting_id: posting.id }).where("id", "in", ids).execute();
    });
    log.warn({ sequence, batches: ids }, "batches of ours found on chain without a posting record: recorded as posted");
  }

  const mempool = await db
    .selectFrom("transfer")
    .selectAll()
    .where("batch_id", "is", null)
    .orderBy("position")
    .execute();
  const transfers = mempool.map((t) => ({
    from: t.from_index,
    to: t.to_index,
    amount: BigInt(t.amount),
    nonce: BigInt(t.nonce),
    signature: { R8: BigInt(t.r8), S: BigInt(t.s) },
  }));
  const replay = state.applySigned(transfers, rollupChainId);
  // Accepted against a state the chain no longer gives (someone else posted in between). Sealed, its signature
  // (over a nonce the chain has moved past) would make its batch's aggregate fail and void every transfer in it,
  // so it is dropped from the mempool instead.
  const stale = replay.skipped.flatMap((skipped) => {
    const row = mempool[skipped.index];
    if (row === undefined) return [];
    log.error({ transfer: row.id, rule: skipped.rule }, "an accepted transfer no longer applies: dropped");
    return [row.id];
  });
  if (stale.length > 0) await db.deleteFrom("transfer").where("id", "in", stale).execute();
  log.info(
    { posted: posted.length, ours: batches.length, mempool: mempool.length },
    "reconciled with the chain: pending state rebuilt",
  );
  return replay.state;
}
