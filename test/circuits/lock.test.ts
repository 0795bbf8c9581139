import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, rm, stat, utimes } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { expect } from "chai";

import { REPO_ROOT } from "../../off-chain/circuits/index.js";
import { withLock } from "../../off-chain/circuits/lock.js";

const STALE_MS = 2_000;

/** A process of its own holding the lock (test/helpers/lock-holder.ts), with the times it printed. */
class Holder {
  readonly child: ChildProcess;
  readonly acquired: Promise<number>;
  readonly exited: Promise<number | null>;
  released: number | undefined;
  private output = "";

  constructor(lockPath: string, holdMs: number) {
    this.child = spawn(
      process.execPath,
      ["--import", "tsx", "test/helpers/lock-holder.ts", lockPath, String(holdMs), String(STALE_MS)],
      { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    this.child.stderr?.setEncoding("utf8").on("data", (text: string) => (this.output += text));
    this.acquired = new Promise((resolve, reject) => {
      this.child.stdout?.setEncoding("utf8").on("data", (text: string) => {
        this.output += text;
        const acquired = /acquired (\d+)/.exec(this.output);
        if (acquired !== null) resolve(Number(acquired[1]));
        const released = /released (\d+)/.exec(this.output);
        if (released !== null) this.released = Number(released[1]);
      });
      this.child.on("exit", (code, signal) => {
        reject(
          new Error(`the lock holder exited (code ${code}, signal ${signal}) before it held the lock:\n${this.output}`),
        );
      });
    });
    this.exited = new Promise((resolve) => this.child.on("exit", resolve));
  }
}

/** What `promise` rejected with (fails if it resolved). */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome).to.be.an("error");
  return outcome as Error;
}

/** A reporter that keeps what it was told. */
function recorder() {
  const lines: string[] = [];
  return {
    lines,
    reporter: {
      work: (line: string) => lines.push(`work: ${line}`),
      detail: (line: string) => lines.push(`detail: ${line}`),
    },
  };
}

describe("withLock (the circuit cache's lock, proper-lockfile)", function () {
  this.timeout(60_000);
  let dir: string;
  let lockPath: string;

  beforeEach(async function () {
    dir = await mkdtemp(path.join(os.tmpdir(), "zkpow-lock-"));
    lockPath = path.join(dir, "b2d4", ".lock");
  });

  afterEach(async function () {
    await rm(dir, { recursive: true, force: true });
  });

  it("Should make a second process wait until the first releases the lock, announcing the wait", async function () {
    const holder = new Holder(lockPath, 1_500);
    await holder.acquired;
    const { lines, reporter } = recorder();
    const entered = await withLock(lockPath, "building b2d4", reporter, () => Promise.resolve(Date.now()), {
      staleMs: STALE_MS,
    });
    expect(await holder.exited).to.equal(0);
    expect(holder.released).to.be.a("number");
    expect(entered).to.be.at.least(holder.released ?? Infinity);
    expect(lines).to.deep.equal([
      `work: waiting for another process to finish building b2d4 (lock ${lockPath}, taken over if not refreshed for 2 s)`,
    ]);
    expect((await rejection(stat(lockPath))).message).to.match(/ENOENT/);
  });

  it("Should wait for a live holder that keeps refreshing the lock for longer than the stale time", async function () {
    const holder = new Holder(lockPath, 3 * STALE_MS);
    await holder.acquired;
    const { lines, reporter } = recorder();
    const entered = await withLock(lockPath, "building b2d4", reporter, () => Promise.resolve(Date.now()), {
      staleMs: STALE_MS,
    });
    expect(await holder.exited).to.equal(0);
    expect(entered).to.be.at.least(holder.released ?? Infinity);
    expect(lines.filter((line) => line.includes("taking over"))).to.deep.equal([]);
  });

  it("Should take over the lock of a holder killed while holding it, once the lock is stale", async function () {
    const holder = new Holder(lockPath, 60_000);
    const acquired = await holder.acquired;
    holder.child.kill("SIGKILL");
    await holder.exited;
    // SIGKILL runs no exit handler: the lock directory stays, as after a crash or a lost host.
    expect((await stat(lockPath)).isDirectory()).to.equal(true);
    const { lines, reporter } = recorder();
    const entered = await withLock(lockPath, "building b2d4", reporter, () => Promise.resolve(Date.now()), {
      staleMs: STALE_MS,
    });
    // Its last refresh was at (or just before, the mkdir) `acquired`.
    expect(entered - acquired).to.be.at.least(STALE_MS - 500);
    expect(lines[0]).to.match(/^work: waiting for another process to finish building b2d4/);
    expect(lines.at(-1)).to.match(/^detail: taking over lock .* not refreshed for \d+ s: its holder stopped$/);
  });

  it("Should take over at once a lock left on a shared cache by a holder on another host that stopped refreshing it", async function () {
    await mkdir(lockPath, { recursive: true });
    const longAgo = new Date(Date.now() - 10 * STALE_MS);
    await utimes(lockPath, longAgo, longAgo);
    const { lines, reporter } = recorder();
    const started = Date.now();
    expect(
      await withLock(lockPath, "building b2d4", reporter, () => Promise.resolve("built"), { staleMs: STALE_MS }),
    ).to.equal("built");
    expect(Date.now() - started).to.be.below(STALE_MS);
    expect(lines).to.deep.equal([`detail: taking over lock ${lockPath}, not refreshed for 20 s: its holder stopped`]);
  });

  it("Should serialize two holders in this process too, and release the lock when the body throws", async function () {
    const order: string[] = [];
    const { reporter } = recorder();
    const first = withLock(lockPath, "building b2d4", reporter, async () => {
      order.push("first in");
      await new Promise((resolve) => setTimeout(resolve, 300));
      order.push("first out");
      throw new Error("circom failed");
    });
    const second = withLock(lockPath, "building b2d4", reporter, () => {
      order.push("second");
      return Promise.resolve();
    });
    expect((await rejection(first)).message).to.equal("circom failed");
    await second;
    expect(order).to.deep.equal(["first in", "first out", "second"]);
    expect((await rejection(stat(lockPath))).message).to.match(/ENOENT/);
  });
});
