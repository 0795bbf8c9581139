import { Contract, MaxUint256, type JsonRpcProvider } from "ethers";
import type { Kysely, Selectable, Transaction } from "kysely";
import type { Logger } from "pino";

import { TxRevertedError, type TxManager } from "../chain/tx-manager.js";
import type { TxDatabase } from "../chain/tx-schema.js";
import { batchCommitment, encodeBatchData, type L2Crypto } from "../l2/index.js";
import type { ZkPowRollup } from "../../types/ethers-contracts/index.js";
import type { SequencerDatabase, SequencerTxKind, TransferTable } from "./db/schema.js";
import type { Mempool } from "./mempool.js";
import type { RollupView } from "./rollup-view.js";

export interface PosterOptions {
  readonly db: Kysely<SequencerDatabase>;
  readonly txs: TxManager<SequencerTxKind>;
  readonly rollup: ZkPowRollup;
  readonly rollupAddress: string;
  readonly provider: JsonRpcProvider;
  readonly sender: string;
  readonly token: string;
  readonly batchFee: bigint;
  readonly crypto: L2Crypto;
  readonly rollupChainId: bigint;
  readonly batchSize: number;
  readonly treeDepth: number;
  readonly maxBatchesPerSequence: number;
  readonly batchTimeoutMs: number;
  readonly sequenceTimeoutMs: number;
  readonly mempool: Mempool;
  readonly view: RollupView;
  readonly log: Logger;
}

const ERC20 = [
  "function allowance(address owner, address spender) view returns (uint256)",
  "function balanceOf(address account) view returns (uint256)",
  "function approve(address spender, uint256 amount) returns (bool)",
];

/** After an estimate reverts, the next posting waits this long (the cause, e.g. a pause, rarely passes at once). */
const REVERT_BACKOFF_MS = 5_000;

/**
 * Turns accepted transfers into posted sequences, one step at a time:
 * follows the posting in flight to a final state (posted, or failed and its
 * batches back in line), seals batches (full at once, partial after
 * batchTimeoutMs), and posts the waiting batches as one sequence (up to
 * maxBatchesPerSequence) when they fill one or the oldest waited
 * sequenceTimeoutMs. One posting is in flight at a time, so the chain gets
 * the batches in the order the transfers were accepted.
 */
export class Poster {
  private readonly token: Contract;
  private pausedUntil = 0;
  private lastFundsWarning = 0;

  constructor(private readonly o: PosterOptions) {
    this.token = new Contract(o.token, ERC20, o.provider);
  }

  async step(now = Date.now()): Promise<void> {
    await this.followPostings();
    await this.seal(now);
    await this.post(now);
  }

  /**
   * The rollup takes batch fees with transferFrom: when the allowance cannot
   * pay a full sequence's fees, the sequencer approves it without limit (the
   * rollup only ever takes batchFee per posted batch). Returns whether the
   * allowance covers `fee` now.
   */
  async ensureAllowance(fee = this.o.batchFee * BigInt(this.o.maxBatchesPerSequence)): Promise<boolean> {
    const { o } = this;
    if (o.batchFee === 0n) return true;
    const allowance = (await this.token.getFunction("allowance")(o.sender, o.rollupAddress)) as bigint;
    if (allowance >= fee) return true;
    if (await this.approvalInFlight()) return false;
    const data = this.token.interface.encodeFunctionData("approve", [o.rollupAddress, MaxUint256]);
    const txId = await o.txs.send({ kind: "approve", to: o.token, data });
    o.log.info({ txId, token: o.token, allowance }, "approving the rollup to take batch fees");
    return false;
  }

  /** Updates postings from their transactions' states. */
  async followPostings(): Promise<void> {
    const { db, log } = this.o;
    const rows = await db
      .selectFrom("posting")
      .innerJoin("tx", "tx.id", "posting.tx_id")
      .select(["posting.id", "posting.state", "posting.sequence", "tx.state as txState", "tx.mined_hash", "tx.error"])
      .where("posting.state", "in", ["sending", "posted"])
      .execute();
    for (const row of rows) {
      if (row.state === "sending" && row.txState === "mined" && row.mined_hash !== null) {
        await this.posted(row.id, row.mined_hash);
      } else if (row.state === "sending" && (row.txState === "reverted" || row.txState === "dropped")) {
        await db.transaction().execute(async (trx) => {
          await trx
            .updateTable("posting")
            .set({ state: "failed", error: row.error ?? row.txState })
            .where("id", "=", row.id)
            .execute();
          await trx.updateTable("batch").set({ posting_id: null }).where("posting_id", "=", row.id).execute();
        });
        log.warn({ posting: row.id, error: row.error }, `posting ${row.txState}: its batches will be posted again`);
      } else if (row.state === "posted" && row.txState === "pending") {
        // A reorg deeper than the confirmations took it out; the TxManager sends it again.
        await db
          .updateTable("posting")
          .set({ state: "sending", sequence: null, last_batch: null, tx_hash: null, block_number: null })
          .where("id", "=", row.id)
          .execute();
        if (row.sequence !== null) this.o.view.lastPostedByUs = row.sequence - 1n;
        log.warn({ posting: row.id }, "a posted sequence left the chain: it is being posted again");
      }
    }
  }

  private async posted(postingId: number, hash: string): Promise<void> {
    const { db, provider, rollup, log, view } = this.o;
    const receipt = await provider.getTransactionReceipt(hash);
    if (receipt === null) return; // the TxManager will see it gone and follow it again
    const event = receipt.logs
      .map((entry) => rollup.interface.parseLog(entry))
      .find((parsed) => parsed?.name === "SequenceSubmitted");
    if (event === undefined || event === null) {
      throw new Error(`posting ${postingId}: transaction ${hash} emitted no SequenceSubmitted`);
    }
    const sequence = event.args[0] as bigint;
    const lastBatch = event.args[1] as bigint;
    const batches = await db
      .selectFrom("batch")
      .select(["id", "data"])
      .where("posting_id", "=", postingId)
      .orderBy("id")
      .execute();
    if (BigInt(batches.length) !== lastBatch - sequence + 1n) {
      throw new Error(`posting ${postingId}: ${batches.length} batches stored, sequence ${sequence}..${lastBatch}`);
    }
    if (sequence !== view.lastPostedByUs + 1n && view.lastPostedByUs !== 0n) {
      log.error(
        { sequence, expected: view.lastPostedByUs + 1n },
        "batches were posted by another account between ours: the pending state may differ from the chain's",
      );
    }
    await db
      .updateTable("posting")
      .set({
        state: "posted",
        sequence,
        last_batch: lastBatch,
        tx_hash: hash,
        block_number: BigInt(receipt.blockNumber),
        error: null,
      })
      .where("id", "=", postingId)
      .execute();
    view.remember(
      sequence,
      batches.map((b) => b.data),
    );
    view.lastPostedByUs = lastBatch;
    log.info({ posting: postingId, sequence, lastBatch, tx: hash, block: receipt.blockNumber }, "sequence posted");
  }

  /** Seals full batches at once, and the rest as a partial batch once its oldest transfer waited batchTimeoutMs. */
  private async seal(now: number): Promise<void> {
    const { db, batchSize, batchTimeoutMs, mempool } = this.o;
    await mempool.exclusive(async () => {
      const waiting = await db
        .selectFrom("transfer")
        .selectAll()
        .where("batch_id", "is", null)
        .orderBy("position")
        .execute();
      for (let start = 0; start < waiting.length; start += batchSize) {
        const chunk = waiting.slice(start, start + batchSize);
        const oldest = chunk[0];
        if (oldest === undefined) break;
        if (chunk.length < batchSize && now - oldest.accepted_at.getTime() < batchTimeoutMs) break;
        await this.sealBatch(chunk);
      }
    });
  }

  private async sealBatch(
    transfers: readonly Pick<
      Selectable<TransferTable>,
      "id" | "from_index" | "to_index" | "amount" | "nonce" | "r8" | "s"
    >[],
  ): Promise<void> {
    const { db, crypto, rollupChainId, batchSize, treeDepth, mempool, log } = this.o;
    // Every transfer here was accepted at the nonce it signed, so the shares of the aggregate are over those nonces;
    // the keys come from any state of the rollup (they never change).
    const batch = mempool.state.sealSigned(
      transfers.map((t) => ({
        from: t.from_index,
        to: t.to_index,
        amount: BigInt(t.amount),
        nonce: BigInt(t.nonce),
        signature: { R8: BigInt(t.r8), S: BigInt(t.s) },
      })),
      rollupChainId,
    );
    const data = encodeBatchData(batch, treeDepth);
    const { batchHash } = batchCommitment(crypto.poseidon, rollupChainId, data, batchSize, treeDepth);
    const id = await db.transaction().execute(async (trx) => {
      const batch = await trx
        .insertInto("batch")
        .values({
          data,
          batch_hash: batchHash.toString(),
          transfers: transfers.length,
          posting_id: null,
          created_at: new Date(),
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      await trx
        .updateTable("transfer")
        .set({ batch_id: batch.id })
        .where(
          "id",
          "in",
          transfers.map((t) => t.id),
        )
        .execute();
      return batch.id;
    });
    log.debug({ batch: id, transfers: transfers.length }, "batch sealed");
  }

  /** Posts the waiting batches as one sequence, if none is in flight and they are due. */
  private async post(now: number): Promise<void> {
    const { db, txs, rollup, rollupAddress, maxBatchesPerSequence, sequenceTimeoutMs, batchFee, sender, log } = this.o;
    if (now < this.pausedUntil) return;
    const inFlight = await db
      .selectFrom("posting")
      .select("id")
      .where("state", "=", "sending")
      .limit(1)
      .executeTakeFirst();
    if (inFlight !== undefined || (await this.approvalInFlight())) return;
    const waiting = await db
      .selectFrom("batch")
      .select(["id", "data", "batch_hash", "created_at"])
      .where("posting_id", "is", null)
      .orderBy("id")
      .limit(maxBatchesPerSequence)
      .execute();
    const oldest = waiting[0];
    if (oldest === undefined) return;
    if (waiting.length < maxBatchesPerSequence && now - oldest.created_at.getTime() < sequenceTimeoutMs) return;
    const fee = batchFee * BigInt(waiting.length);
    if (fee > 0n) {
      const balance = (await this.token.getFunction("balanceOf")(sender)) as bigint;
      if (balance < fee) {
        if (now - this.lastFundsWarning > 60_000) {
          this.lastFundsWarning = now;
          log.error(
            { balance, fee, token: this.o.token },
            `the sequencer's token balance cannot pay the batch fees of ${waiting.length} batches: fund ${sender}`,
          );
        }
        return;
      }
    }
    if (!(await this.ensureAllowance(fee))) return;
    const data = rollup.interface.encodeFunctionData("sequenceBatches", [
      waiting.map((b) => b.data),
      waiting.map((b) => BigInt(b.batch_hash)),
    ]);
    const ids = waiting.map((b) => b.id);
    try {
      // The posting is recorded with its signed transaction, before the broadcast: a crash at any point
      // leaves either nothing sent, or a posting the restart follows (and never posts again).
      const txId = await txs.send({ kind: "sequence", to: rollupAddress, data }, async (trx, id) => {
        await recordPosting(trx, id, ids);
      });
      log.info({ txId, batches: ids.length, fee }, "posting a sequence");
    } catch (error) {
      if (!(error instanceof TxRevertedError)) throw error;
      this.pausedUntil = now + REVERT_BACKOFF_MS;
      log.error(
        { error: error.errorName ?? error.data, batches: ids.length },
        "sequenceBatches would revert; trying again later",
      );
    }
  }

  private async approvalInFlight(): Promise<boolean> {
    const row = await this.o.db
      .selectFrom("tx")
      .select("id")
      .where("kind", "=", "approve")
      .where("state", "=", "pending")
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }
}

type OwnTables = Omit<SequencerDatabase, keyof TxDatabase>;

async function recordPosting(trx: Transaction<TxDatabase>, txId: number, batchIds: readonly number[]): Promise<void> {
  const own = trx.$extendTables<OwnTables>();
  const posting = await own
    .insertInto("posting")
    .values({
      tx_id: txId,
      state: "sending",
      sequence: null,
      last_batch: null,
      tx_hash: null,
      block_number: null,
      error: null,
      created_at: new Date(),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await own
    .updateTable("batch")
    .set({ posting_id: posting.id })
    .where("id", "in", [...batchIds])
    .execute();
}
