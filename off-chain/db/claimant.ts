import { hostname } from "node:os";

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
