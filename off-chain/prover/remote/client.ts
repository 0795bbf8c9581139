import * as grpc from "@grpc/grpc-js";
import type { Logger } from "pino";

import type { ProofBackend } from "../backend.js";
import {
  aggregatorMessageSchema,
  AUTHORIZATION,
  describeIssue,
  MAX_MESSAGE_BYTES,
  PROTOCOL_VERSION,
  ProverHubClient,
  type AggregatorMessage,
} from "./protocol.js";

/** A circuit a prover machine holds, by its zkey's sha256. */
export interface HeldCircuit {
  readonly name: string;
  readonly zkeySha256: string;
}

export interface ProverClientOptions {
  /** The aggregator's prover hub, host:port. */
  readonly aggregator: string;
  /** The aggregator's ZKPOW_PROVER_SECRET. */
  readonly secret: string;
  /** This machine's name at the aggregator (unique there). */
  readonly proverId: string;
  readonly circuits: readonly HeldCircuit[];
  /** Where proofs run (a LocalBackend over this machine's prover processes); its slots are announced. */
  readonly backend: ProofBackend;
  /** Connect with TLS; `ca` is the PEM that signed the aggregator's certificate (default: the system's roots). */
  readonly tls?: { readonly ca?: Buffer };
  readonly log: Logger;
  /** Backoff between reconnections: from `minBackoffMs`, doubling to `maxBackoffMs`. */
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

/** The aggregator refused this prover for a reason that retrying cannot fix (secret, zkey, protocol, id). */
export class ProverRefusedError extends Error {
  constructor(
    message: string,
    readonly code: grpc.status,
  ) {
    super(message);
    this.name = "ProverRefusedError";
  }
}

/** Status codes after which reconnecting would be refused the same way. */
const PERMANENT = new Set([
  grpc.status.UNAUTHENTICATED,
  grpc.status.FAILED_PRECONDITION,
  grpc.status.INVALID_ARGUMENT,
  grpc.status.ALREADY_EXISTS,
  grpc.status.PERMISSION_DENIED,
]);

type Call = grpc.ClientDuplexStream<unknown, unknown>;

/**
 * A prover machine's side of the prover protocol: dials the aggregator,
 * announces its slots and circuits, proves what it is assigned on its backend
 * and sends the results back, with a heartbeat listing the tasks it runs.
 * When the stream ends it stops its tasks (the aggregator gives them to
 * others) and dials again with backoff; a refusal that retrying cannot fix
 * ends it (`done` rejects with ProverRefusedError).
 */
export class ProverClient {
  private readonly client: grpc.Client;
  private readonly running = new Map<string, AbortController>();
  private call: Call | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private reconnect: NodeJS.Timeout | undefined;
  private backoffMs: number;
  private stopped = false;
  private settle!: { resolve: () => void; reject: (error: Error) => void };
  /** Settles when the client stops: resolved by stop(), rejected on a permanent refusal. */
  readonly done: Promise<void>;
  /** Proofs sent back since the start. */
  proofs = 0;
  /** Whether the aggregator welcomed the current connection. */
  connected = false;

  constructor(private readonly options: ProverClientOptions) {
    const credentials =
      options.tls === undefined
        ? grpc.credentials.createInsecure()
        : grpc.credentials.createSsl(options.tls.ca ?? null);
    this.client = new ProverHubClient(options.aggregator, credentials, {
      "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
      "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
      "grpc.keepalive_time_ms": 10_000,
      "grpc.keepalive_timeout_ms": 5_000,
    });
    this.backoffMs = options.minBackoffMs ?? 500;
    this.done = new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    this.done.catch(() => undefined);
    this.dial();
  }

  /** Closes the stream, stops running proofs and the backend. Resolves even after a refusal (`done` says that). */
  async stop(): Promise<void> {
    if (this.stopped) return this.done.catch(() => undefined);
    this.stopped = true;
    clearTimeout(this.reconnect);
    this.endSession();
    this.call?.cancel();
    this.client.close();
    await this.options.backend.close();
    this.settle.resolve();
    return this.done;
  }

  private dial(): void {
    if (this.stopped) return;
    const metadata = new grpc.Metadata();
    metadata.set(AUTHORIZATION, `Bearer ${this.options.secret}`);
    const connect = (this.client as unknown as Record<string, (metadata: grpc.Metadata) => Call>).connect;
    if (connect === undefined) throw new Error("the ProverHub service has no Connect method (proto/prover.proto)");
    const call = connect.call(this.client, metadata);
    this.call = call;
    call.on("data", (raw: unknown) => {
      if (call === this.call) this.receive(call, raw);
    });
    call.on("error", (error: grpc.ServiceError) => {
      if (call === this.call) this.lost(error.code, error.details);
    });
    call.on("end", () => {
      if (call === this.call) this.lost(grpc.status.UNAVAILABLE, "the aggregator closed the stream");
    });
    call.write({
      hello: {
        protocolVersion: PROTOCOL_VERSION,
        proverId: this.options.proverId,
        slots: this.options.backend.slots(),
        circuits: this.options.circuits.map((c) => ({ name: c.name, zkeySha256: c.zkeySha256 })),
      },
    });
  }

  private receive(call: Call, raw: unknown): void {
    const parsed = aggregatorMessageSchema.safeParse(raw);
    if (!parsed.success) {
      this.options.log.warn(
        { problem: describeIssue(parsed.error) },
        "ignored a malformed message from the aggregator",
      );
      return;
    }
    const message: AggregatorMessage = parsed.data;
    switch (message.body) {
      case "welcome": {
        this.connected = true;
        this.backoffMs = this.options.minBackoffMs ?? 500;
        const every = message.welcome.heartbeatIntervalMs;
        clearInterval(this.heartbeat);
        this.heartbeat = setInterval(() => {
          call.write({ heartbeat: { taskIds: [...this.running.keys()] } });
        }, every);
        this.options.log.info(
          { aggregator: this.options.aggregator, slots: this.options.backend.slots(), heartbeatMs: every },
          "connected to the aggregator",
        );
        return;
      }
      case "assign":
        void this.prove(call, message.assign);
        return;
      case "cancel":
        this.options.log.info({ task: message.cancel.taskId, reason: message.cancel.reason }, "task cancelled");
        this.running.get(message.cancel.taskId)?.abort();
        return;
      case "notice":
        this.options.log.warn({ notice: message.notice.message }, "the aggregator refused a message of ours");
        return;
    }
  }

  private async prove(call: Call, assign: Extract<AggregatorMessage, { body: "assign" }>["assign"]): Promise<void> {
    const { taskId } = assign;
    const log = this.options.log.child({ task: taskId });
    const abort = new AbortController();
    this.running.set(taskId, abort);
    const write = (message: Record<string, unknown>) => {
      if (call === this.call && !call.writableEnded && !abort.signal.aborted) call.write(message);
    };
    write({ accept: { taskId } });
    log.info("proving");
    try {
      const input = JSON.parse(assign.inputJson) as Record<string, unknown>;
      const reply = await this.options.backend.prove(
        { zkeySha256: assign.zkeySha256, input, priority: 0n, label: `task ${taskId}` },
        abort.signal,
      );
      write({
        result: {
          taskId,
          proofJson: JSON.stringify(reply.proof),
          publicSignals: reply.publicSignals,
          timings: {
            witnessSeconds: reply.timings.witnessSeconds,
            proveSeconds: reply.timings.proveSeconds,
            cpuSeconds: reply.timings.cpuSeconds,
            peakRssMb: reply.timings.peakRssMB,
          },
        },
      });
      this.proofs += 1;
      log.info({ seconds: reply.timings.proveSeconds }, "proved");
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (abort.signal.aborted) log.info("stopped");
      else log.error({ error: reason }, "the proof failed");
      write({ failure: { taskId, reason } });
    } finally {
      this.running.delete(taskId);
    }
  }

  /** The stream ended: stop the session's tasks, then dial again or give up. */
  private lost(code: grpc.status, details: string): void {
    this.endSession();
    this.call = undefined;
    if (this.stopped) return;
    if (PERMANENT.has(code)) {
      this.options.log.error({ code: grpc.status[code], error: details }, "the aggregator refused this prover");
      this.stopped = true;
      this.client.close();
      void this.options.backend.close();
      this.settle.reject(new ProverRefusedError(`the aggregator refused this prover: ${details}`, code));
      return;
    }
    this.options.log.warn(
      { code: grpc.status[code], error: details, retryInMs: this.backoffMs },
      "lost the aggregator; reconnecting",
    );
    this.reconnect = setTimeout(() => {
      this.dial();
    }, this.backoffMs);
    this.backoffMs = Math.min(this.backoffMs * 2, this.options.maxBackoffMs ?? 30_000);
  }

  private endSession(): void {
    this.connected = false;
    clearInterval(this.heartbeat);
    // The aggregator has given these tasks to other provers.
    for (const abort of this.running.values()) abort.abort();
  }
}
