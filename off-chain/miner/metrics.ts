import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import type { pino } from "pino";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

/** Which proof of a sequence a task makes: one per batch, the aggregation steps, the final wrap. */
export type ProofKind = "batch" | "aggregator" | "final";

const PREFIX = "zkpow_miner_";
const WEI_PER_TOKEN = 10n ** 18n;

// A small batch proof takes a fraction of a second, a final proof on a busy machine up to half an hour.
const PROOF_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 900, 1200, 1800];

/**
 * The miner's Prometheus metrics, in a registry of its own: tests run several miners in one process and
 * the global registry would mix their values (and refuse the second registration).
 */
export class MinerMetrics {
  readonly registry = new Registry();

  readonly proofSeconds: Histogram<"chain" | "kind">;
  readonly tasksQueued: Gauge<"chain">;
  readonly tasksInFlight: Gauge<"chain">;
  readonly commits: Counter<"chain">;
  readonly reveals: Counter<"chain">;
  readonly lateReveals: Counter<"chain">;
  readonly firstVerified: Counter<"chain">;
  readonly rewards: Counter<"chain">;
  readonly penalties: Counter<"chain">;
  readonly rpcErrors: Counter<"chain" | "method">;
  readonly reorgs: Counter<"chain">;
  readonly proverThreads: Gauge;
  readonly proverBusy: Gauge;

  constructor() {
    const registers = [this.registry];
    const chain = ["chain"] as const;
    this.proofSeconds = new Histogram({
      name: `${PREFIX}proof_seconds`,
      help: "Wall time of one proof task, by kind (batch, aggregator, final).",
      labelNames: ["chain", "kind"] as const,
      buckets: PROOF_BUCKETS,
      registers,
    });
    this.tasksQueued = new Gauge({
      name: `${PREFIX}tasks_queued`,
      help: "Proof tasks waiting for a prover thread.",
      labelNames: chain,
      registers,
    });
    this.tasksInFlight = new Gauge({
      name: `${PREFIX}tasks_in_flight`,
      help: "Proof tasks running on a prover thread.",
      labelNames: chain,
      registers,
    });
    const counter = (name: string, help: string): Counter<"chain"> =>
      new Counter({ name: `${PREFIX}${name}`, help, labelNames: chain, registers });
    this.commits = counter("commits_total", "Commits of ours mined.");
    this.reveals = counter("reveals_total", "Reveals of ours mined in the reveal window.");
    this.lateReveals = counter("late_reveals_total", "Reveals of ours mined in the late window.");
    this.firstVerified = counter("first_verified_total", "Sequences verified with our proof first.");
    this.rewards = counter("rewards_tokens_total", "Rewards earned, in whole tokens (wei / 1e18, as a float).");
    this.penalties = counter("penalties_tokens_total", "Penalties paid, in whole tokens (wei / 1e18, as a float).");
    this.rpcErrors = new Counter({
      name: `${PREFIX}rpc_errors_total`,
      help: "Failed base chain RPC calls, by JSON-RPC method.",
      labelNames: ["chain", "method"] as const,
      registers,
    });
    this.reorgs = counter("reorgs_total", "Reorgs the follower rolled back.");
    this.proverThreads = new Gauge({
      name: `${PREFIX}prover_threads`,
      help: "Prover threads configured.",
      registers,
    });
    this.proverBusy = new Gauge({
      name: `${PREFIX}prover_threads_busy`,
      help: "Prover threads running a task.",
      registers,
    });
    // Left with their standard names (process_*, nodejs_*) so stock Node.js dashboards work unchanged.
    collectDefaultMetrics({ register: this.registry });
  }

  /** Adds a wei amount to a token counter (rewards, penalties). */
  addTokens(counter: Counter<"chain">, chain: string, wei: bigint): void {
    if (wei < 0n) throw new RangeError(`a token counter only grows; got ${wei} wei for ${chain}`);
    counter.inc({ chain }, weiToTokens(wei));
  }
}

/**
 * Whole tokens as a float. The whole part and the fraction are converted apart so that large amounts keep
 * every digit a double can hold instead of losing the fraction to one big Number(wei) / 1e18.
 */
export function weiToTokens(wei: bigint): number {
  return Number(wei / WEI_PER_TOKEN) + Number(wei % WEI_PER_TOKEN) / 1e18;
}

export interface MetricsServerOptions {
  /** 0 picks a free port. */
  readonly port: number;
  /** Loopback by default: the miner's numbers are nobody else's business unless the operator says so. */
  readonly host?: string;
  /** Where a failed collection is reported besides the 500 answer. */
  readonly log?: pino.Logger;
}

export interface MetricsServer {
  /** The scrape address, e.g. http://127.0.0.1:9464/metrics. */
  readonly url: string;
  close(): Promise<void>;
}

/** Serves `GET /metrics` in the Prometheus text format; everything else is a 404. */
export async function startMetricsServer(metrics: MinerMetrics, options: MetricsServerOptions): Promise<MetricsServer> {
  const { port, host = "127.0.0.1", log } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`metrics port must be an integer from 0 to 65535, got ${port}`);
  }
  const server = createServer((request, response) => {
    void answer(metrics, request, response, log);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      const where = `${host}:${port}`;
      if (error.code === "EADDRINUSE") {
        reject(new Error(`metrics port ${port} is already in use (${where}); pick another port`, { cause: error }));
      } else {
        reject(new Error(`metrics server cannot listen on ${where}: ${error.message}`, { cause: error }));
      }
    });
    server.listen(port, host, () => {
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${urlHost}:${address.port}/metrics`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        });
        // A scraper's keep-alive connection would otherwise hold close() open until it times out.
        server.closeAllConnections();
      }),
  };
}

async function answer(
  metrics: MinerMetrics,
  request: IncomingMessage,
  response: ServerResponse,
  log: pino.Logger | undefined,
): Promise<void> {
  const path = new URL(request.url ?? "/", "http://localhost").pathname;
  if (path !== "/metrics") {
    response.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" }).end("not found: try /metrics\n");
    return;
  }
  if (request.method !== "GET" && request.method !== "HEAD") {
    response.writeHead(405, { Allow: "GET, HEAD", "Content-Type": "text/plain; charset=utf-8" }).end();
    return;
  }
  try {
    const body = await metrics.registry.metrics();
    response.writeHead(200, { "Content-Type": metrics.registry.contentType });
    response.end(request.method === "HEAD" ? undefined : body);
  } catch (error) {
    log?.error({ err: error }, "metrics collection failed");
    const message = error instanceof Error ? error.message : String(error);
    response
      .writeHead(500, { "Content-Type": "text/plain; charset=utf-8" })
      .end(`metrics collection failed: ${message}\n`);
  }
}
