import type { Kysely } from "kysely";
import type { Logger } from "pino";

import { transferMessage, type L2Crypto, type L2State } from "../l2/index.js";
import type { SequencerDatabase } from "./db/schema.js";
import { Refusal, RULE_CODES } from "./errors.js";
import { fromTransferBody, transferId, type TransferBody } from "./wire.js";

/** What POST /transfers answers for an accepted transfer. */
export interface Accepted {
  readonly id: string;
  /** Its place in the order of acceptance, which is the order of posting. */
  readonly position: string;
}

/**
 * The sequencer's door: checks each transfer against the pending L2 state
 * (the state after every transfer accepted so far) with the rules a prover
 * applies, and accepts it by committing its row. The pending state advances
 * only after the commit, so what a client was told is accepted survives any
 * crash, and what was not committed never touched the state. One transfer
 * at a time: each is checked against the one before it.
 */
export class Mempool {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: Kysely<SequencerDatabase>,
    private readonly crypto: L2Crypto,
    private readonly chainId: bigint,
    private pending: L2State,
    private readonly maxPendingTransfers: number,
    private readonly log: Logger,
  ) {}

  /** The state after every accepted transfer. */
  get state(): L2State {
    return this.pending;
  }

  accept(body: TransferBody): Promise<Accepted> {
    const run = this.queue.then(() => this.check(body));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Runs `work` between two acceptances (sealing reads the mempool in a settled order). */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async check(body: TransferBody): Promise<Accepted> {
    const transfer = fromTransferBody(body);
    const id = transferId(transferMessage(this.crypto.poseidon, this.chainId, transfer));
    const known = await this.db.selectFrom("transfer").select("id").where("id", "=", id).executeTakeFirst();
    if (known !== undefined) {
      throw new Refusal(409, "DUPLICATE_TRANSFER", `transfer ${id} was accepted already`);
    }
    const { waiting } = await this.db
      .selectFrom("transfer")
      .leftJoin("batch", "batch.id", "transfer.batch_id")
      .leftJoin("posting", "posting.id", "batch.posting_id")
      .select((eb) => eb.fn.countAll<string>().as("waiting"))
      .where((eb) => eb.or([eb("posting.state", "is", null), eb("posting.state", "!=", "posted")]))
      .executeTakeFirstOrThrow();
    if (Number(waiting) >= this.maxPendingTransfers) {
      throw new Refusal(503, "MEMPOOL_FULL", `${waiting} accepted transfers wait to be posted; try again later`);
    }
    const { state, skipped } = this.pending.applySigned([transfer], this.chainId);
    const broken = skipped[0];
    if (broken !== undefined) throw new Refusal(400, RULE_CODES[broken.rule], broken.detail);
    const row = await this.db
      .insertInto("transfer")
      .values({
        id,
        from_index: transfer.from,
        to_index: transfer.to,
        amount: transfer.amount.toString(),
        nonce: transfer.nonce.toString(),
        r8: transfer.signature.R8.toString(),
        s: transfer.signature.S.toString(),
        batch_id: null,
        accepted_at: new Date(),
      })
      .returning("position")
      .executeTakeFirstOrThrow();
    this.pending = state;
    this.log.debug({ id, from: transfer.from, to: transfer.to, position: row.position }, "transfer accepted");
    return { id, position: row.position.toString() };
  }
}
