import { sql, type Kysely, type Selectable } from "kysely";

import type { MinerDatabase, ProofTaskKind, ProofTaskTable } from "./schema.js";

export { claimantId, claimantMayBeAlive, parseClaimant } from "../../db/claimant.js";

/**
 * Claims the next queued proof task of the given chains for `claimant`, in
 * one statement: the lowest sequence first (lower sequences gate everything
 * after them), within a sequence its batch tasks before the aggregator before
 * the final task, then the oldest (a sequence's tasks are planned in batch
 * order); only tasks of `kind` and bound to `miner` when given. Concurrent claimants never get the same
 * task: the row is locked by the claim and SKIP LOCKED passes over it.
 */
export async function claimProofTask(
  db: Kysely<MinerDatabase>,
  options: { chainIds: readonly bigint[]; claimant: string; kind?: ProofTaskKind; miner?: string },
): Promise<Selectable<ProofTaskTable> | undefined> {
  if (options.chainIds.length === 0) return undefined;
  let next = db
    .selectFrom("proof_task")
    .select("id")
    .where("status", "=", "queued")
    .where("chain_id", "in", options.chainIds);
  if (options.kind !== undefined) next = next.where("kind", "=", options.kind);
  if (options.miner !== undefined) next = next.where("miner", "=", options.miner);
  next = next
    .orderBy("sequence")
    .orderBy(sql`case kind when 'batch' then 0 when 'aggregator' then 1 else 2 end`)
    .orderBy("id")
    .limit(1)
    .forUpdate()
    .skipLocked();
  return db
    .updateTable("proof_task")
    .set((eb) => ({
      status: "running",
      claimed_by: options.claimant,
      claimed_at: sql<Date>`now()`,
      attempts: eb("attempts", "+", 1),
      error: null,
      finished_at: null,
    }))
    .where("id", "=", next)
    .where("status", "=", "queued")
    .returningAll()
    .executeTakeFirst();
}

/**
 * Queues again every running task whose claimant is no longer alive (a
 * prover process that died mid-proof); returns how many. Its `attempts` count
 * stays, so a task that kills its prover every time can be told apart.
 */
export async function requeueAbandonedTasks(
  db: Kysely<MinerDatabase>,
  options: { isAlive(claimant: string): boolean },
): Promise<number> {
  const running = await db
    .selectFrom("proof_task")
    .select("claimed_by")
    .distinct()
    .where("status", "=", "running")
    .execute();
  const dead = running.flatMap(({ claimed_by }) =>
    claimed_by !== null && !options.isAlive(claimed_by) ? [claimed_by] : [],
  );
  if (dead.length === 0) return 0;
  const result = await db
    .updateTable("proof_task")
    .set({ status: "queued", claimed_by: null, claimed_at: null })
    .where("status", "=", "running")
    .where("claimed_by", "in", dead)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
