import type { Kysely } from "kysely";

import type { L2State } from "../l2/index.js";
import type { SequencerDatabase } from "./db/schema.js";
import { Refusal } from "./errors.js";
import type { RollupView } from "./rollup-view.js";
import type { AccountBalance, AccountView, TransferView } from "./wire.js";

/** A transfer's status: pending until its posting is final, posted, then verified once its batch is. */
export async function transferView(db: Kysely<SequencerDatabase>, view: RollupView, id: string): Promise<TransferView> {
  const row = await db
    .selectFrom("transfer")
    .leftJoin("batch", "batch.id", "transfer.batch_id")
    .leftJoin("posting", "posting.id", "batch.posting_id")
    .select([
      "transfer.id",
      "transfer.from_index",
      "transfer.to_index",
      "transfer.amount",
      "transfer.nonce",
      "transfer.accepted_at",
      "transfer.batch_id",
      "posting.id as posting_id",
      "posting.state",
      "posting.sequence",
      "posting.tx_hash",
      "posting.block_number",
    ])
    .where("transfer.id", "=", id)
    .executeTakeFirst();
  if (row === undefined) throw new Refusal(404, "UNKNOWN_TRANSFER", `no transfer ${id} was accepted`);
  const base = {
    id: row.id,
    from: row.from_index,
    to: row.to_index,
    amount: row.amount,
    nonce: row.nonce,
    acceptedAt: row.accepted_at.toISOString(),
  };
  if (row.state !== "posted" || row.sequence === null || row.posting_id === null || row.batch_id === null) {
    return { ...base, status: "pending" };
  }
  // The batch's number: its sequence's first batch plus its place among the posting's batches.
  const { before } = await db
    .selectFrom("batch")
    .select((eb) => eb.fn.countAll<string>().as("before"))
    .where("posting_id", "=", row.posting_id)
    .where("id", "<", row.batch_id)
    .executeTakeFirstOrThrow();
  const batch = row.sequence + BigInt(before);
  return {
    ...base,
    status: batch <= view.verifiedBatch ? "verified" : "posted",
    batch: batch.toString(),
    sequence: row.sequence.toString(),
    ...(row.tx_hash !== null ? { txHash: row.tx_hash } : {}),
    ...(row.block_number !== null ? { blockNumber: row.block_number.toString() } : {}),
  };
}

export async function accountView(pending: L2State, view: RollupView, index: number): Promise<AccountView> {
  const account = pending.account(index);
  if (account === undefined) {
    throw new Refusal(404, "UNKNOWN_ACCOUNT", `no account ${index}: accounts 0 to ${pending.accountCount - 1} exist`);
  }
  const verified = (await view.verifiedState()).account(index);
  const balance = (a: { balance: bigint; nonce: bigint } | undefined): AccountBalance => ({
    balance: (a?.balance ?? 0n).toString(),
    nonce: (a?.nonce ?? 0n).toString(),
  });
  return {
    index,
    publicKey: { x: account.publicKey.x.toString(), y: account.publicKey.y.toString() },
    pending: balance(account),
    verified: balance(verified),
  };
}

/** Counts for GET /state: transfers not yet final on chain, batches waiting, whether a posting is in flight. */
export async function backlog(
  db: Kysely<SequencerDatabase>,
): Promise<{ pendingTransfers: number; unpostedBatches: number; postingInFlight: boolean }> {
  const [transfers, batches, inFlight] = await Promise.all([
    db
      .selectFrom("transfer")
      .leftJoin("batch", "batch.id", "transfer.batch_id")
      .leftJoin("posting", "posting.id", "batch.posting_id")
      .select((eb) => eb.fn.countAll<string>().as("count"))
      .where((eb) => eb.or([eb("posting.state", "is", null), eb("posting.state", "!=", "posted")]))
      .executeTakeFirstOrThrow(),
    db
      .selectFrom("batch")
      .select((eb) => eb.fn.countAll<string>().as("count"))
      .where("posting_id", "is", null)
      .executeTakeFirstOrThrow(),
    db.selectFrom("posting").select("id").where("state", "=", "sending").limit(1).executeTakeFirst(),
  ]);
  return {
    pendingTransfers: Number(transfers.count),
    unpostedBatches: Number(batches.count),
    postingInFlight: inFlight !== undefined,
  };
}
