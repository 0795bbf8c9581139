import { hostname } from "node:os";

import { sql, type Kysely, type Selectable } from "kysely";

import type { MinerDatabase, ProofTaskKind, ProofTaskTable } from "./schema.js";

// Fixed at load: the claimant must stay the same string for the process's whole life.
const PROCESS_START = Math.round(performance.timeOrigin);

/**
 * Who claims tasks: `${hostname}:${pid}:${startTime}` for this process. The
 * start time (ms since the epoch) tells a restarted process that reuses a pid
 * apart from the one that claimed before it.
 */
export function claimantId(): string {
  return `${hostname()}:${process.pid}:${PROCESS_START}`;
}

/** The parts of a claimant string; undefined if it is not one. */
export function parseClaimant(claimant: string): { host: string; pid: number; startTime: number } | undefined {
  const match = /^(.+):(\d+):(\d+)$/.exec(claimant);
  if (match === null) return undefined;
  const [, host = "", pid = "", startTime = ""] = match;
  return { host, pid: Number(pid), startTime: Number(startTime) };
}

/**
 * Whether a claimant may still be running, as far as this process can tell:
 * false only when it certainly is not (a process of this host that no longer
 * exists, or an earlier life of this process's pid); a claimant on another
 * host, or a string that is not a claimant, counts as alive, so that nothing
 * is taken from a live process. Suits `requeueAbandonedTasks`.
 */
export function claimantMayBeAlive(claimant: string): boolean {
  const parsed = parseClaimant(claimant);
  if (parsed === undefined || parsed.host !== hostname()) return true;
  if (parsed.pid === process.pid) return parsed.startTime === PROCESS_START;
  try {
    process.kill(parsed.pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

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
