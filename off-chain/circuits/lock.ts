import { mkdir, stat } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

import lockfile from "proper-lockfile";

import type { Reporter } from "./log.js";

/**
 * How long a lock may go without its holder refreshing it before another
 * process takes it over: the holder crashed, on this host or another sharing
 * the cache folder. Long enough for a busy event loop (snarkjs) to miss a few
 * refreshes; short enough that a crashed build holds the others up for a minute.
 */
export const LOCK_STALE_MS = 60_000;
/** How often the holder refreshes its lock's mtime. */
const REFRESH_MS = 10_000;
const POLL_MS = 500;

export interface LockOptions {
  /** LOCK_STALE_MS by default; at least 2000 (proper-lockfile's floor). Tests shorten it. */
  readonly staleMs?: number;
}

/**
 * Runs `body` while holding the lock `lockPath` (a directory, proper-lockfile's
 * atomic mkdir), so that two processes (a test run and `npx hardhat
 * circuits`, say) never build into the same cache folder at once: circom
 * writes its outputs in place, and a reader in the other process would see
 * half-written files. The holder refreshes the lock's mtime while `body` runs;
 * a lock nobody refreshed for `staleMs` is taken over. Waiting for another
 * process is announced once through `reporter`.
 */
export async function withLock<T>(
  lockPath: string,
  what: string,
  reporter: Reporter,
  body: () => Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  const stale = options.staleMs ?? LOCK_STALE_MS;
  await mkdir(path.dirname(lockPath), { recursive: true });
  let compromised: Error | undefined;
  let announced = false;
  let release: () => Promise<void>;
  for (;;) {
    const age = await lockAge(lockPath);
    if (age !== undefined && age > stale) {
      reporter.detail(
        `taking over lock ${lockPath}, not refreshed for ${Math.round(age / 1000)} s: its holder stopped`,
      );
    }
    try {
      release = await lockfile.lock(lockPath, {
        lockfilePath: lockPath,
        realpath: false,
        stale,
        update: Math.min(REFRESH_MS, stale / 2),
        // proper-lockfile's default throws from a timer; fail the build when it ends instead.
        onCompromised: (error) => {
          compromised = error;
        },
      });
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOTDIR") {
        throw new Error(
          `${lockPath} is a lock file of an earlier zkpow (this one locks with a directory): remove it once no older build runs`,
          { cause: error },
        );
      }
      if (code !== "ELOCKED") throw error;
    }
    if (!announced) {
      reporter.work(
        `waiting for another process to finish ${what} (lock ${lockPath}, taken over if not refreshed for ${stale / 1000} s)`,
      );
      announced = true;
    }
    await sleep(POLL_MS);
  }
  let result: T;
  try {
    result = await body();
  } finally {
    if (compromised === undefined) await release();
  }
  if (compromised !== undefined) {
    throw new Error(
      `lost the lock ${lockPath} while ${what} (${compromised.message}): another process may have written the same files; run again`,
      { cause: compromised },
    );
  }
  return result;
}

/** Milliseconds since the lock was last refreshed, or undefined when nobody holds it. */
async function lockAge(lockPath: string): Promise<number | undefined> {
  try {
    return Date.now() - (await stat(lockPath)).mtimeMs;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
