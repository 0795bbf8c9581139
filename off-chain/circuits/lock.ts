import { mkdir, open, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

import type { Reporter } from "./log.js";

interface LockOwner {
  pid: number;
  hostname: string;
}

const POLL_MS = 500;

/**
 * Runs `body` while holding a lock file, so that two processes (a test run
 * and `npx hardhat circuits`, say) never build into the same cache folder at
 * once: circom writes its outputs in place, and a reader in the other process
 * would see half-written files. A lock left by a process that no longer runs
 * on this machine is taken over.
 */
export async function withLock<T>(
  lockPath: string,
  what: string,
  reporter: Reporter,
  body: () => Promise<T>,
): Promise<T> {
  await mkdir(path.dirname(lockPath), { recursive: true });
  const me: LockOwner = { pid: process.pid, hostname: os.hostname() };
  let announced = false;
  for (;;) {
    try {
      const file = await open(lockPath, "wx");
      try {
        await file.writeFile(JSON.stringify(me));
      } finally {
        await file.close();
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const owner = await readOwner(lockPath);
    if (owner !== undefined && !isAlive(owner)) {
      reporter.detail(`removing stale lock ${lockPath} of process ${owner.pid}`);
      await rm(lockPath, { force: true });
      continue;
    }
    if (!announced) {
      reporter.work(`waiting for process ${owner?.pid ?? "?"} to finish ${what} (lock ${lockPath})`);
      announced = true;
    }
    await sleep(POLL_MS);
  }
  try {
    return await body();
  } finally {
    await rm(lockPath, { force: true });
  }
}

/** The lock's owner, or undefined while the owner is still writing it (or it just went away). */
async function readOwner(lockPath: string): Promise<LockOwner | undefined> {
  let text: string;
  try {
    text = await readFile(lockPath, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as LockOwner;
  } catch (error) {
    // An empty or partial file: created by `open(wx)` but not yet written. Not stale; wait.
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

function isAlive(owner: LockOwner): boolean {
  // Another machine's process (a shared cache folder) cannot be checked from here: assume it runs.
  if (owner.hostname !== os.hostname()) return true;
  if (owner.pid === process.pid) return true;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    // ESRCH: no such process. EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}
