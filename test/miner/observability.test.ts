import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";

import { expect } from "chai";

import { createLogger } from "../../off-chain/service/logger.js";
import { MinerMetrics, startMetricsServer, weiToTokens, type MetricsServer } from "../../off-chain/miner/metrics.js";
import type { ChainStatus, MinerStatus } from "../../off-chain/miner/status.js";
import { formatTokens, renderStatus, StatusView } from "../../off-chain/miner/status-view.js";

const TOKEN = 10n ** 18n;
const STARTED = new Date("2030-01-01T00:00:00Z");

function chain(overrides: Partial<ChainStatus> = {}): ChainStatus {
  return {
    name: "ethereum",
    chainId: 1n,
    rollup: "0x00000000000000000000000000000000000000aa",
    headBlock: 1222n,
    confirmedBlock: 1220n,
    sequences: { seen: 3, proving: 1, proven: 2, committed: 4, revealed: 5, verifiedByUs: 6, verifiedByOthers: 7 },
    nextDeadline: { sequence: 7n, kind: "reveal window closes", block: 1234n },
    rewardsEarned: (3n * TOKEN) / 2n,
    rewardsClaimed: 0n,
    penalties: TOKEN / 4n,
    reorgs: 2,
    rpcErrors: 9,
    lastRpcError: null,
    ...overrides,
  };
}

function status(chains: readonly ChainStatus[] = [chain()]): MinerStatus {
  return {
    miner: "0x00000000000000000000000000000000000000bb",
    startedAt: STARTED,
    chains,
    provers: { threads: 8, remote: [], busy: 3, queued: 12 },
  };
}

/** A writable that keeps what it is given, with the terminal flag a test chooses. */
function captureStream(isTTY: boolean): { stream: Writable & { isTTY: boolean }; chunks: string[] } {
  const chunks: string[] = [];
  const writable = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return { stream: Object.assign(writable, { isTTY }), chunks };
}

describe("miner observability", function () {
  describe("formatTokens", function () {
    it("formats wei as whole tokens with up to 4 decimals", function () {
      expect(formatTokens((3n * TOKEN) / 2n)).to.equal("1.5");
      expect(formatTokens(0n)).to.equal("0");
      expect(formatTokens(2n * TOKEN)).to.equal("2");
      expect(formatTokens(TOKEN / 4n)).to.equal("0.25");
    });

    it("truncates past 4 decimals instead of rounding up, and keeps dust visible", function () {
      expect(formatTokens(2n * TOKEN - 1n)).to.equal("1.9999");
      expect(formatTokens(1n)).to.equal("<0.0001");
    });

    it("keeps every digit of large amounts", function () {
      expect(formatTokens(123_456_789_012_345_678_901_234_567n)).to.equal("123456789.0123");
      expect(formatTokens(10n ** 30n)).to.equal("1000000000000");
    });
  });

  describe("renderStatus", function () {
    const now = new Date(STARTED.getTime() + 3_661_000);

    it("shows every number of a chain, the next deadline and the provers", function () {
      const text = renderStatus(status(), now);
      expect(text).to.include("zkpow miner 0x00000000000000000000000000000000000000bb");
      expect(text).to.include("up 1h 01m 01s");
      expect(text).to.include("ethereum (chain 1)  rollup 0x00000000000000000000000000000000000000aa");
      expect(text).to.include("head 1222, confirmed 1220");
      expect(text).to.include("seen 3, proving 1, proven 2, committed 4, revealed 5");
      expect(text).to.include("verified    by us 6, by others 7");
      expect(text).to.include("sequence 7: reveal window closes at block 1234, in 12 blocks");
      expect(text).to.include("earned 1.5, claimed 0, penalties 0.25");
      expect(text).to.include("reorgs 2, RPC errors 9");
      expect(text).not.to.include("last:");
      expect(text).to.include("3/8 slots busy, 12 tasks queued");
    });

    it("shows each chain, a missing deadline and the last RPC error on one line", function () {
      const text = renderStatus(
        status([
          chain(),
          chain({
            name: "polygon",
            chainId: 137n,
            nextDeadline: null,
            lastRpcError: "timeout\n  at eth_getLogs",
          }),
        ]),
        now,
      );
      expect(text).to.include("polygon (chain 137)");
      expect(text).to.include("no deadline pending");
      expect(text).to.include("last: timeout at eth_getLogs");
      expect(text.split("\n").filter((line) => line.includes("RPC errors"))).to.have.length(2);
    });

    it("says when the deadline is one block away or already at the head", function () {
      const oneLeft = chain({ nextDeadline: { sequence: 8n, kind: "commit window closes", block: 1223n } });
      expect(renderStatus(status([oneLeft]), now)).to.include(
        "sequence 8: commit window closes at block 1223, in 1 block",
      );
      const atHead = chain({ nextDeadline: { sequence: 8n, kind: "late window closes", block: 1222n } });
      expect(renderStatus(status([atHead]), now)).to.include("at block 1222, which is the head block");
    });
  });

  describe("MinerMetrics and the metrics server", function () {
    let server: MetricsServer | undefined;

    afterEach(async function () {
      await server?.close();
      server = undefined;
    });

    it("serves the registered metrics and the values counted, and 404 elsewhere", async function () {
      const metrics = new MinerMetrics();
      metrics.commits.inc({ chain: "ethereum" }, 2);
      metrics.addTokens(metrics.rewards, "ethereum", (3n * TOKEN) / 2n);
      metrics.rpcErrors.inc({ chain: "bsc", method: "eth_getLogs" });
      metrics.proofSeconds.observe({ chain: "ethereum", kind: "final" }, 42);
      metrics.proverThreads.set(8);
      server = await startMetricsServer(metrics, { port: 0 });
      expect(server.url).to.match(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);

      const response = await fetch(server.url);
      expect(response.status).to.equal(200);
      expect(response.headers.get("content-type")).to.match(/^text\/plain; version=0\.0\.4/);
      const body = await response.text();
      expect(body).to.include('zkpow_miner_commits_total{chain="ethereum"} 2');
      expect(body).to.include('zkpow_miner_rewards_tokens_total{chain="ethereum"} 1.5');
      expect(body).to.include('zkpow_miner_rpc_errors_total{chain="bsc",method="eth_getLogs"} 1');
      expect(body).to.include('zkpow_miner_proof_seconds_bucket{le="60",chain="ethereum",kind="final"} 1');
      expect(body).to.include('zkpow_miner_proof_seconds_bucket{le="30",chain="ethereum",kind="final"} 0');
      expect(body).to.include("zkpow_miner_prover_threads 8");
      for (const name of [
        "zkpow_miner_tasks_queued",
        "zkpow_miner_tasks_in_flight",
        "zkpow_miner_reveals_total",
        "zkpow_miner_late_reveals_total",
        "zkpow_miner_first_verified_total",
        "zkpow_miner_penalties_tokens_total",
        "zkpow_miner_reorgs_total",
        "zkpow_miner_prover_threads_busy",
        "process_cpu_seconds_total",
      ]) {
        expect(body).to.include(`# TYPE ${name} `);
      }

      const elsewhere = await fetch(new URL("/", server.url));
      expect(elsewhere.status).to.equal(404);
      await elsewhere.text();
      const posted = await fetch(server.url, { method: "POST" });
      expect(posted.status).to.equal(405);
      await posted.text();
    });

    it("says which port is in use", async function () {
      const squatter = createServer();
      await new Promise<void>((resolve) => squatter.listen(0, "127.0.0.1", resolve));
      const { port } = squatter.address() as AddressInfo;
      try {
        let error: unknown;
        try {
          server = await startMetricsServer(new MinerMetrics(), { port });
        } catch (caught) {
          error = caught;
        }
        expect(error).to.be.instanceOf(Error);
        expect((error as Error).message).to.include(`metrics port ${port} is already in use`);
      } finally {
        await new Promise<void>((resolve) => {
          squatter.close(() => {
            resolve();
          });
        });
      }
    });

    it("keeps two miners' values apart", async function () {
      const a = new MinerMetrics();
      const b = new MinerMetrics();
      a.reveals.inc({ chain: "ethereum" }, 3);
      b.reveals.inc({ chain: "ethereum" });
      expect((await a.reveals.get()).values[0]?.value).to.equal(3);
      expect((await b.reveals.get()).values[0]?.value).to.equal(1);
    });

    it("counts tokens as floats from wei and refuses a negative amount", function () {
      const metrics = new MinerMetrics();
      expect(weiToTokens(123_456_789n * TOKEN + TOKEN / 2n)).to.equal(123_456_789.5);
      expect(() => {
        metrics.addTokens(metrics.penalties, "ethereum", -1n);
      }).to.throw(RangeError);
    });
  });

  describe("StatusView", function () {
    it("off a terminal writes a line only when the snapshot changed", async function () {
      const { stream, chunks } = captureStream(false);
      let current = status();
      const view = new StatusView({ stream, snapshot: () => current, intervalMs: 5 });
      view.start();
      try {
        await sleep(60);
        const first = chunks.join("").split("\n").filter(Boolean);
        expect(first).to.have.length(2);
        expect(first[0]).to.match(/^status chain=ethereum chainId=1 head=1222 confirmed=1220 seen=3 proving=1 /);
        expect(first[0]).to.include('deadline="reveal window closes" deadlineSequence=7 deadlineBlock=1234');
        expect(first[0]).to.include("earned=1.5 claimed=0 penalties=0.25");
        expect(first[1]).to.equal("status provers threads=8 remoteProvers=0 remoteSlots=0 busy=3 queued=12");

        // New heads alone are no news: they come every few seconds.
        current = status([chain({ headBlock: 1223n, confirmedBlock: 1221n })]);
        await sleep(40);
        expect(chunks.join("").split("\n").filter(Boolean)).to.have.length(2);

        current = status([chain({ headBlock: 1224n, sequences: { ...chain().sequences, seen: 4 } })]);
        await sleep(40);
        const lines = chunks.join("").split("\n").filter(Boolean);
        expect(lines).to.have.length(3);
        expect(lines[2]).to.match(/^status chain=ethereum chainId=1 head=1224 .* seen=4 /);
      } finally {
        view.stop();
      }
      const count = chunks.length;
      current = status([chain({ reorgs: 99 })]);
      await sleep(30);
      expect(chunks).to.have.length(count);
    });

    it("off a terminal reports a failing snapshot once", async function () {
      const { stream, chunks } = captureStream(false);
      const view = new StatusView({
        stream,
        snapshot: () => Promise.reject(new Error("database is locked")),
        intervalMs: 5,
      });
      view.start();
      await sleep(40);
      view.stop();
      expect(chunks).to.deep.equal(['status error="database is locked"\n']);
    });

    it("in a terminal draws the rendered frame", async function () {
      const { stream, chunks } = captureStream(true);
      const view = new StatusView({ stream, snapshot: () => status(), intervalMs: 5 });
      view.start();
      await sleep(30);
      view.stop();
      const output = chunks.join("");
      expect(output).to.include("ethereum (chain 1)");
      expect(output).to.include("sequence 7: reveal window closes at block 1234, in 12 blocks");
    });
  });

  describe("createLogger", function () {
    it("writes JSON lines with the child's bindings and hides secrets", function () {
      const lines: string[] = [];
      const log = createLogger({ level: "debug", destination: { write: (line: string) => lines.push(line) } });
      log
        .child({ module: "follower", chain: "ethereum" })
        .debug({ block: 12n, wallet: { privateKey: "0x01" } }, "read");
      expect(lines).to.have.length(1);
      const entry = JSON.parse(lines[0] ?? "") as Record<string, unknown>;
      expect(entry).to.include({ level: 20, name: "zkpow-miner", module: "follower", chain: "ethereum", block: 12 });
      expect(entry).to.include({ msg: "read" });
      expect(entry.wallet).to.deep.equal({ privateKey: "[redacted]" });
      expect(entry.time).to.be.a("string");
    });

    it("refuses an unknown level by name", function () {
      expect(() => createLogger({ level: "verbose" })).to.throw(/log level "verbose" is not one of/);
    });
  });
});
