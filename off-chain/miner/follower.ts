import { getAddress } from "ethers";
import type { Transaction } from "kysely";

import { decodePosting, type PostedSequence } from "../chain/chain-data.js";
import type { ChainContext, ChainHealth } from "./chain.js";
import type { MinerDatabase } from "./db/schema.js";

/** The database follows another rollup than the config names: one clear error, nothing touched. */
export class FollowerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FollowerConfigError";
  }
}

/**
 * The RPC does not have a block the follower has read: a node behind the one that answered before. Transient
 * (the step is retried); never taken for a reorg, which would delete what the miner stored.
 */
export class LaggingNodeError extends Error {
  constructor(chain: string, block: bigint) {
    super(
      `chain ${chain}: the RPC does not have block ${block}, which the follower has read; waiting for it to catch up`,
    );
    this.name = "LaggingNodeError";
  }
}

/** What one step of the follower did. */
export interface FollowStep {
  /** Blocks read in this step (0: nothing new that is deep enough). */
  readonly blocks: number;
  /** The fork point if a reorg was found and rolled back. */
  readonly reorgedTo?: bigint;
}

/** Blocks read per step (a getLogs range most RPC providers accept). */
const MAX_RANGE = 2_000n;
/** Stored block hashes kept for finding a fork point: far deeper than any reorg of the supported chains. */
const KEPT_BLOCKS = 1_024;

/**
 * The chain follower (one per base chain): reads the rollup's events from
 * blocks at least `confirmations` deep into the database, one range per step,
 * in one database transaction per range. It keeps the hashes of the last
 * blocks it stored something from or ended a step at; a stored hash that is no longer
 * on the chain is a reorg: it deletes its records above the fork point (the
 * sequences' batches, proof tasks and proofs go with them by cascade) and
 * reads again from there.
 */
export class ChainFollower {
  constructor(
    private readonly chain: ChainContext,
    private readonly health: ChainHealth,
    private readonly onReorg: (forkBlock: bigint) => void,
  ) {}

  /** Creates the cursor on a fresh database; refuses a database that follows another rollup on this chain. */
  async init(): Promise<void> {
    const { db, chainId, rollupAddress, fromBlock } = this.chain;
    const row = await db.selectFrom("chain").selectAll().where("chain_id", "=", chainId).executeTakeFirst();
    if (row === undefined) {
      await db
        .insertInto("chain")
        .values({
          chain_id: chainId,
          rollup: rollupAddress,
          processed_block: fromBlock - 1n,
          processed_hash: "",
          updated_at: new Date(),
        })
        .execute();
      return;
    }
    if (getAddress(row.rollup) !== getAddress(rollupAddress)) {
      throw new FollowerConfigError(
        `the database's records for chain ${chainId} are of rollup ${row.rollup}; the config names ${rollupAddress}. Use another database (or data dir) for another rollup.`,
      );
    }
  }

  /** Reads the next range of confirmed blocks, or rolls back a reorg. */
  async step(): Promise<FollowStep> {
    const { db, provider, chainId, confirmations } = this.chain;
    const head = BigInt(await provider.getBlockNumber());
    this.health.headBlock = head;
    const cursor = await db.selectFrom("chain").selectAll().where("chain_id", "=", chainId).executeTakeFirstOrThrow();
    if (cursor.processed_hash !== "") {
      const block = await provider.getBlock(cursor.processed_block);
      // A node that does not have the block (one behind the others of a load-balanced RPC) says nothing of a reorg.
      if (block === null) throw new LaggingNodeError(this.chain.name, cursor.processed_block);
      if (block.hash !== cursor.processed_hash) {
        const fork = await this.rollBack();
        return { blocks: 0, reorgedTo: fork };
      }
    }
    const target = head - BigInt(confirmations);
    const from = cursor.processed_block + 1n;
    if (target < from) return { blocks: 0 };
    const to = target - from + 1n > MAX_RANGE ? from + MAX_RANGE - 1n : target;

    const toHash = await this.blockHash(to);
    if (toHash === null) throw new LaggingNodeError(this.chain.name, to);
    const { rollup } = this.chain;
    const range = [Number(from), Number(to)] as const;
    const submitted = await rollup.queryFilter(rollup.filters.SequenceSubmitted(), ...range);
    const corrected = await rollup.queryFilter(rollup.filters.BatchHashCorrected(), ...range);
    const verified = await rollup.queryFilter(rollup.filters.SequenceVerified(), ...range);
    const postings: PostedSequence[] = [];
    for (const event of submitted) postings.push(await decodePosting(rollup, event));
    // The events and the cursor's hash must come from one chain: a reorg between the reads shows as a new hash.
    if ((await this.blockHash(to)) !== toHash) return { blocks: 0 };

    const eventBlocks = new Map<bigint, string>([[to, toHash]]);
    for (const event of [...submitted, ...corrected, ...verified]) {
      eventBlocks.set(BigInt(event.blockNumber), event.blockHash);
    }
    await db.transaction().execute(async (trx) => {
      for (const posted of postings) await insertSequence(trx, chainId, posted);
      for (const event of corrected) {
        const { sequence, index, corrected: commitment } = event.args;
        await trx
          .updateTable("batch")
          .set({
            batch_hash: commitment.batchHash.toString(),
            data_point: commitment.dataPoint.toString(),
            data_evaluation: commitment.dataEvaluation.toString(),
          })
          .where("chain_id", "=", chainId)
          .where("sequence", "=", sequence)
          .where("index", "=", Number(index))
          .execute();
      }
      for (const event of verified) {
        const { sequence, miner, newStateRoot } = event.args;
        await trx
          .updateTable("sequence")
          .set({
            state: "verified",
            verified_by: getAddress(miner),
            verified_state_root: newStateRoot.toString(),
            verified_block: BigInt(event.blockNumber),
          })
          .where("chain_id", "=", chainId)
          .where("sequence", "=", sequence)
          .execute();
      }
      for (const [number, hash] of eventBlocks) {
        await trx
          .insertInto("block")
          .values({ chain_id: chainId, number, hash })
          .onConflict((oc) => oc.columns(["chain_id", "number"]).doUpdateSet({ hash }))
          .execute();
      }
      await trx
        .updateTable("chain")
        .set({ processed_block: to, processed_hash: toHash, updated_at: new Date() })
        .where("chain_id", "=", chainId)
        .execute();
      // One row per step would grow without end; a reorg deeper than the last KEPT_BLOCKS stored blocks would
      // only make the rollback start over from the deployment block.
      const oldestKept = await trx
        .selectFrom("block")
        .select("number")
        .where("chain_id", "=", chainId)
        .orderBy("number", "desc")
        .offset(KEPT_BLOCKS - 1)
        .limit(1)
        .executeTakeFirst();
      if (oldestKept !== undefined) {
        await trx.deleteFrom("block").where("chain_id", "=", chainId).where("number", "<", oldestKept.number).execute();
      }
    });
    if (postings.length + verified.length > 0) {
      this.chain.log.info(
        { from, to, posted: postings.map((p) => p.sequence), verified: verified.map((e) => e.args.sequence) },
        "read sequences",
      );
    }
    return { blocks: Number(to - from + 1n) };
  }

  /**
   * Finds the highest stored block whose hash the chain still has and deletes
   * everything the follower stored above it.
   */
  private async rollBack(): Promise<bigint> {
    const { db, chainId, fromBlock, log, metrics, name } = this.chain;
    const stored = await db
      .selectFrom("block")
      .select(["number", "hash"])
      .where("chain_id", "=", chainId)
      .orderBy("number", "desc")
      .execute();
    let fork = fromBlock - 1n;
    let forkHash = "";
    for (const block of stored) {
      const hash = await this.blockHash(block.number);
      if (hash === null) throw new LaggingNodeError(this.chain.name, block.number);
      if (hash === block.hash) {
        fork = block.number;
        forkHash = block.hash;
        break;
      }
    }
    await db.transaction().execute(async (trx) => {
      await trx.deleteFrom("sequence").where("chain_id", "=", chainId).where("block_number", ">", fork).execute();
      await trx
        .updateTable("sequence")
        .set({ state: "posted", verified_by: null, verified_state_root: null, verified_block: null })
        .where("chain_id", "=", chainId)
        .where("verified_block", ">", fork)
        .execute();
      await trx.deleteFrom("block").where("chain_id", "=", chainId).where("number", ">", fork).execute();
      await trx
        .updateTable("chain")
        .set({ processed_block: fork, processed_hash: forkHash, updated_at: new Date() })
        .where("chain_id", "=", chainId)
        .execute();
    });
    this.health.reorgs += 1;
    metrics.reorgs.inc({ chain: name });
    log.warn({ fork }, "reorg: rolled back the records above the fork point; reading again from there");
    this.onReorg(fork);
    return fork;
  }

  private async blockHash(number: bigint): Promise<string | null> {
    return (await this.chain.provider.getBlock(number))?.hash ?? null;
  }
}

async function insertSequence(trx: Transaction<MinerDatabase>, chainId: bigint, posted: PostedSequence): Promise<void> {
  await trx
    .insertInto("sequence")
    .values({
      chain_id: chainId,
      sequence: posted.sequence,
      last_batch: posted.lastBatch,
      block_number: BigInt(posted.blockNumber),
      block_hash: posted.blockHash,
      tx_hash: posted.transactionHash,
      state: "posted",
      old_state_root: null,
      new_state_root: null,
      verified_by: null,
      verified_state_root: null,
      verified_block: null,
    })
    .execute();
  await trx
    .insertInto("batch")
    .values(
      posted.batches.map((batch, index) => ({
        chain_id: chainId,
        batch: posted.sequence + BigInt(index),
        sequence: posted.sequence,
        index,
        data: batch.data,
        batch_hash: batch.commitment.batchHash.toString(),
        data_point: batch.commitment.dataPoint.toString(),
        data_evaluation: batch.commitment.dataEvaluation.toString(),
      })),
    )
    .execute();
}
