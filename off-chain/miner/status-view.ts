import { createLogUpdate } from "log-update";
import type { pino } from "pino";

import type { ChainStatus, Deadline, MinerStatus } from "./status.js";

const WEI_PER_TOKEN = 10n ** 18n;
const TOKEN_DECIMALS = 4;
const MAX_ERROR_CHARS = 120;

/** Wei as whole tokens with up to 4 decimals: 1500000000000000000n is "1.5". */
export function formatTokens(wei: bigint): string {
  const sign = wei < 0n ? "-" : "";
  const abs = wei < 0n ? -wei : wei;
  const whole = abs / WEI_PER_TOKEN;
  // Truncated, not rounded, so the view never shows more than there is.
  const fraction = (abs % WEI_PER_TOKEN) / 10n ** BigInt(18 - TOKEN_DECIMALS);
  // A dust amount is still not nothing.
  if (whole === 0n && fraction === 0n && abs !== 0n) return `${sign}<0.${"0".repeat(TOKEN_DECIMALS - 1)}1`;
  const digits = fraction.toString().padStart(TOKEN_DECIMALS, "0").replace(/0+$/, "");
  return `${sign}${whole}${digits === "" ? "" : `.${digits}`}`;
}

/** "sequence 7: reveal window closes at block 1234, in 12 blocks" (counted from the chain's head). */
export function formatDeadline(deadline: Deadline, headBlock: bigint): string {
  const left = deadline.block - headBlock;
  const when =
    left > 0n
      ? `in ${plural(left, "block")}`
      : left === 0n
        ? "which is the head block"
        : `${plural(-left, "block")} ago`;
  return `sequence ${deadline.sequence}: ${deadline.kind} at block ${deadline.block}, ${when}`;
}

/** The status as a person reads it in a terminal: one block of lines per chain, then the provers. */
export function renderStatus(status: MinerStatus, now: Date): string {
  const lines = [`zkpow miner ${status.miner}  up ${formatDuration(now.getTime() - status.startedAt.getTime())}`];
  if (status.chains.length === 0) lines.push("no chains configured");
  for (const chain of status.chains) lines.push(...renderChain(chain));
  const { threads, remote, busy, queued } = status.provers;
  const slots = threads + remote.reduce((sum, prover) => sum + prover.slots, 0);
  const machines = remote.length > 0 ? ` (${threads} local, ${plural(remote.length, "remote prover")})` : "";
  lines.push(row("provers", `${busy}/${slots} slots busy${machines}, ${plural(queued, "task")} queued`, ""));
  return lines.join("\n");
}

function renderChain(chain: ChainStatus): string[] {
  const s = chain.sequences;
  const errors = `reorgs ${chain.reorgs}, RPC errors ${chain.rpcErrors}`;
  return [
    `${chain.name} (chain ${chain.chainId})  rollup ${chain.rollup}`,
    row("blocks", `head ${chain.headBlock}, confirmed ${chain.confirmedBlock}`),
    row(
      "sequences",
      `seen ${s.seen}, proving ${s.proving}, proven ${s.proven}, committed ${s.committed}, revealed ${s.revealed}`,
    ),
    row("verified", `by us ${s.verifiedByUs}, by others ${s.verifiedByOthers}`),
    row("next", chain.nextDeadline ? formatDeadline(chain.nextDeadline, chain.headBlock) : "no deadline pending"),
    row(
      "tokens",
      `earned ${formatTokens(chain.rewardsEarned)}, claimed ${formatTokens(chain.rewardsClaimed)}, ` +
        `penalties ${formatTokens(chain.penalties)}`,
    ),
    row("health", chain.lastRpcError === null ? errors : `${errors}, last: ${oneLine(chain.lastRpcError)}`),
  ];
}

// Labels padded to one column so the values line up under each other.
function row(label: string, text: string, indent = "  "): string {
  return `${`${indent}${label}`.padEnd(14)}${text}`;
}

function plural(count: bigint | number, noun: string): string {
  return `${count} ${noun}${count === 1 || count === 1n ? "" : "s"}`;
}

function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const [d, h, m, s] = [
    Math.floor(total / 86400),
    Math.floor((total % 86400) / 3600),
    Math.floor((total % 3600) / 60),
    total % 60,
  ];
  const two = (n: number): string => n.toString().padStart(2, "0");
  if (d > 0) return `${d}d ${h}h ${two(m)}m`;
  if (h > 0) return `${h}h ${two(m)}m ${two(s)}s`;
  if (m > 0) return `${m}m ${two(s)}s`;
  return `${s}s`;
}

// An error message can span lines (stack-like RPC bodies); one line keeps the frame's height fixed.
function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= MAX_ERROR_CHARS ? flat : `${flat.slice(0, MAX_ERROR_CHARS - 1)}…`;
}

/** One logfmt line per chain and one for the provers, for a stream that is not a terminal. */
interface PlainLine {
  /** Which line this is, to compare with the same line last time. */
  readonly id: string;
  /** What must differ for the line to be written again. */
  readonly change: string;
  readonly text: string;
}

function plainLines(status: MinerStatus): PlainLine[] {
  const lines = status.chains.map((chain): PlainLine => {
    const s = chain.sequences;
    const d = chain.nextDeadline;
    // Heads move every few seconds on every chain; left in the change key they would make every interval a change.
    const steady = logfmt({
      seen: s.seen,
      proving: s.proving,
      proven: s.proven,
      committed: s.committed,
      revealed: s.revealed,
      verifiedByUs: s.verifiedByUs,
      verifiedByOthers: s.verifiedByOthers,
      deadline: d?.kind,
      deadlineSequence: d?.sequence,
      deadlineBlock: d?.block,
      earned: formatTokens(chain.rewardsEarned),
      claimed: formatTokens(chain.rewardsClaimed),
      penalties: formatTokens(chain.penalties),
      reorgs: chain.reorgs,
      rpcErrors: chain.rpcErrors,
      lastRpcError: chain.lastRpcError === null ? undefined : oneLine(chain.lastRpcError),
    });
    const where = logfmt({ chain: chain.name, chainId: chain.chainId });
    const heads = logfmt({ head: chain.headBlock, confirmed: chain.confirmedBlock });
    return { id: where, change: steady, text: `status ${where} ${heads} ${steady}` };
  });
  const { threads, remote, busy, queued } = status.provers;
  const provers = logfmt({
    threads,
    remoteProvers: remote.length,
    remoteSlots: remote.reduce((sum, prover) => sum + prover.slots, 0),
    busy,
    queued,
  });
  lines.push({ id: "provers", change: provers, text: `status provers ${provers}` });
  return lines;
}

function logfmt(fields: Record<string, string | number | bigint | undefined>): string {
  return Object.entries(fields)
    .filter((entry): entry is [string, string | number | bigint] => entry[1] !== undefined)
    .map(([key, value]) => {
      const text = value.toString();
      return `${key}=${text === "" || /[\s="]/.test(text) ? JSON.stringify(text) : text}`;
    })
    .join(" ");
}

/** What the view writes to: a terminal (redrawn in place) or a pipe or file (plain lines). */
export type StatusStream = NodeJS.WritableStream & { readonly isTTY?: boolean };

export interface StatusViewOptions {
  readonly stream: StatusStream;
  snapshot(): Promise<MinerStatus> | MinerStatus;
  /** How often to take a snapshot; 1 s when not given. */
  readonly intervalMs?: number;
  /** Off a terminal, unchanged lines are written again this often so a reader sees the miner is alive; 5 min. */
  readonly heartbeatMs?: number;
  /** Where a failed snapshot is reported. */
  readonly log?: pino.Logger;
}

/**
 * Shows the miner's status on its stream. In a terminal it redraws one frame in place. Anywhere else it writes
 * plain logfmt lines to the stream itself rather than through pino: stdout is then the status channel a
 * supervisor (systemd, docker) captures, while the JSON log goes to its own file or stderr, and a status line
 * only when something changed keeps that channel readable.
 */
export class StatusView {
  readonly #options: StatusViewOptions;
  #timer: NodeJS.Timeout | undefined;
  // Bumped by start and stop, so a snapshot still pending from an earlier run draws nothing.
  #run = 0;
  #running = false;
  /** Set in a terminal only. */
  #frame: ReturnType<typeof createLogUpdate> | undefined;
  #lastFrame = "";
  #written = new Map<string, string>();
  #lastHeartbeat = 0;
  #lastFailure: string | undefined;

  constructor(options: StatusViewOptions) {
    this.#options = options;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    const run = ++this.#run;
    this.#frame = this.#isTTY() ? createLogUpdate(this.#options.stream) : undefined;
    this.#written.clear();
    this.#lastHeartbeat = Date.now();
    void this.#tick(run);
  }

  /** Stops redrawing and leaves the last frame on screen. */
  stop(): void {
    if (!this.#running) return;
    this.#running = false;
    this.#run++;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#frame?.done();
  }

  #isTTY(): boolean {
    return this.#options.stream.isTTY === true;
  }

  async #tick(run: number): Promise<void> {
    try {
      const status = await this.#options.snapshot();
      if (run !== this.#run) return;
      this.#lastFailure = undefined;
      this.#draw(status);
    } catch (error) {
      if (run === this.#run) this.#fail(error);
    }
    if (run !== this.#run) return;
    // A timeout chain rather than an interval: a slow snapshot must not pile up behind itself.
    this.#timer = setTimeout(() => void this.#tick(run), this.#options.intervalMs ?? 1000);
    // The view alone must not keep a miner that is shutting down alive.
    this.#timer.unref();
  }

  #draw(status: MinerStatus): void {
    if (this.#frame) {
      this.#lastFrame = renderStatus(status, new Date());
      this.#frame(this.#lastFrame);
      return;
    }
    const heartbeat = Date.now() - this.#lastHeartbeat >= (this.#options.heartbeatMs ?? 300_000);
    if (heartbeat) this.#lastHeartbeat = Date.now();
    const out = plainLines(status).filter((line) => heartbeat || this.#written.get(line.id) !== line.change);
    for (const line of out) this.#written.set(line.id, line.change);
    if (out.length > 0) this.#options.stream.write(out.map((line) => `${line.text}\n`).join(""));
  }

  #fail(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    // Reported once per distinct failure: a broken snapshot would otherwise repeat itself every interval.
    if (message === this.#lastFailure) return;
    this.#lastFailure = message;
    this.#options.log?.warn({ err: error }, "status snapshot failed");
    if (this.#frame) {
      const failure = `status snapshot failed: ${oneLine(message)}`;
      this.#frame(this.#lastFrame === "" ? failure : `${this.#lastFrame}\n${failure}`);
    } else if (!this.#options.log) {
      this.#options.stream.write(`status ${logfmt({ error: oneLine(message) })}\n`);
    }
  }
}
