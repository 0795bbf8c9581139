import { createHash, randomUUID, timingSafeEqual } from "node:crypto";

import * as grpc from "@grpc/grpc-js";
import type { Logger } from "pino";

import { ProverLostError, signalsMatch, type ProofBackend, type ProveJob, type ProveReply } from "../backend.js";
import type { BatchProof, Groth16Proof } from "../types.js";
import {
  AUTHORIZATION,
  describeIssue,
  groth16ProofSchema,
  helloSchema,
  MAX_MESSAGE_BYTES,
  PROTOCOL_VERSION,
  proverHubService,
  proverMessageSchema,
  type ProverMessage,
} from "./protocol.js";

/** A circuit the hub hands out: remote provers must hold a zkey with this sha256. */
export interface HubCircuit {
  readonly name: string;
  readonly zkeySha256: string;
}

export interface ProverHubOptions {
  /** host:port to listen on ("0.0.0.0:50051"; port 0 picks a free one). */
  readonly listen: string;
  /** What provers must present (`authorization: Bearer <secret>`); at least 16 characters. */
  readonly secret: string;
  readonly circuits: readonly HubCircuit[];
  /** Checks a returned proof against the circuit's verification key (the hub stores nothing unverified). */
  readonly verify: (zkeySha256: string, proof: BatchProof) => Promise<boolean>;
  /** PEM certificate chain and key: provers then connect with TLS (required between hosts: the secret). */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer };
  readonly heartbeatIntervalMs?: number;
  /** A prover silent for this long is dropped and its tasks given to others (default 4 heartbeats). */
  readonly heartbeatTimeoutMs?: number;
  /** A task not proven in this long goes to another prover (default 30 minutes). */
  readonly taskDeadlineMs?: number;
  /** A connection that sends no Hello in this long is closed. */
  readonly helloTimeoutMs?: number;
  readonly log: Logger;
}

/** A connected prover as the status shows it. */
export interface RemoteProverStatus {
  readonly id: string;
  readonly peer: string;
  readonly slots: number;
  readonly busy: number;
  readonly connectedAt: Date;
  readonly proofs: number;
}

interface Assigned {
  readonly id: string;
  readonly job: ProveJob;
  readonly resolve: (reply: ProveReply) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

interface Session {
  readonly id: string;
  readonly peer: string;
  readonly slots: number;
  readonly circuits: ReadonlySet<string>;
  readonly call: grpc.ServerDuplexStream<unknown, unknown>;
  readonly tasks: Map<string, Assigned>;
  /** Tasks taken away (deadline) that the prover may still be running: they hold a slot until it stops. */
  readonly cancelled: Set<string>;
  readonly connectedAt: Date;
  lastSeen: number;
  proofs: number;
  closed: boolean;
}

type Refusal = Pick<grpc.ServiceError, "code" | "details">;

const DEFAULT_HEARTBEAT_MS = 5_000;

/** Slots that can take a task now: not running one, and not still running one taken away from it. */
function freeSlots(session: Session): number {
  return Math.max(0, session.slots - session.tasks.size - session.cancelled.size);
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/** JSON for a circuit input: bigints as decimal strings (what snarkjs reads). */
function inputJson(input: Readonly<Record<string, unknown>>): string {
  return JSON.stringify(input, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value));
}

/**
 * The aggregator's side of the prover protocol (proto/prover.proto): a gRPC
 * server that prover machines dial into, and a ProofBackend whose slots are
 * the connected provers' slots. A task goes to the prover with the most free
 * slots; the returned proof is verified before the job resolves. A prover
 * that disconnects, stops heartbeating, passes a task's deadline, fails a task
 * or returns an invalid proof loses its tasks (ProverLostError: the scheduler
 * runs them elsewhere); an invalid proof also disconnects it. A result for a
 * task the prover no longer holds is ignored.
 */
export class ProverHub implements ProofBackend {
  readonly name = "remote";
  readonly id = randomUUID();
  private readonly sessions = new Map<string, Session>();
  private readonly listeners: (() => void)[] = [];
  private readonly watchdog: NodeJS.Timeout;
  private readonly secretDigest: Buffer;
  private readonly heartbeatIntervalMs: number;
  private readonly heartbeatTimeoutMs: number;
  private readonly taskDeadlineMs: number;
  private closing = false;

  private constructor(
    private readonly server: grpc.Server,
    /** The port it listens on (the one picked when `listen` said 0). */
    readonly port: number,
    private readonly options: ProverHubOptions,
  ) {
    this.secretDigest = digest(options.secret);
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_MS;
    this.heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? 4 * this.heartbeatIntervalMs;
    this.taskDeadlineMs = options.taskDeadlineMs ?? 30 * 60_000;
    this.watchdog = setInterval(
      () => {
        this.checkHeartbeats();
      },
      Math.min(this.heartbeatIntervalMs, 1_000),
    );
    this.watchdog.unref();
  }

  static async start(options: ProverHubOptions): Promise<ProverHub> {
    if (options.secret.length < 16) {
      throw new Error("the prover secret (ZKPOW_PROVER_SECRET) must be at least 16 characters");
    }
    if (options.circuits.length === 0) throw new Error("a prover hub needs at least one circuit");
    const server = new grpc.Server({
      "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
      "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
      // TCP keepalive pings find a prover whose host vanished without a FIN.
      "grpc.keepalive_time_ms": 10_000,
      "grpc.keepalive_timeout_ms": 5_000,
      "grpc.keepalive_permit_without_calls": 1,
    });
    const credentials =
      options.tls === undefined
        ? grpc.ServerCredentials.createInsecure()
        : grpc.ServerCredentials.createSsl(null, [{ cert_chain: options.tls.cert, private_key: options.tls.key }]);
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(options.listen, credentials, (error, bound) => {
        if (error === null) resolve(bound);
        else reject(new Error(`the prover hub cannot listen on ${options.listen}: ${error.message}`));
      });
    });
    const hub = new ProverHub(server, port, options);
    server.addService(proverHubService, {
      connect: (call: grpc.ServerDuplexStream<unknown, unknown>) => {
        hub.connect(call);
      },
    });
    if (options.tls === undefined && !/^(127\.|localhost|\[::1\])/.test(options.listen)) {
      options.log.warn(
        { listen: options.listen },
        "the prover hub listens without TLS beyond this host: the secret and the proofs cross the network in clear",
      );
    }
    options.log.info({ port, tls: options.tls !== undefined }, "prover hub listening");
    return hub;
  }

  free(zkeySha256: string): number {
    let free = 0;
    for (const session of this.sessions.values()) {
      if (session.circuits.has(zkeySha256)) free += freeSlots(session);
    }
    return free;
  }

  slots(): number {
    let slots = 0;
    for (const session of this.sessions.values()) slots += session.slots;
    return slots;
  }

  onSlots(listener: () => void): void {
    this.listeners.push(listener);
  }

  provers(): RemoteProverStatus[] {
    return [...this.sessions.values()].map((s) => ({
      id: s.id,
      peer: s.peer,
      slots: s.slots,
      busy: s.tasks.size,
      connectedAt: s.connectedAt,
      proofs: s.proofs,
    }));
  }

  prove(job: ProveJob): Promise<ProveReply> {
    let best: Session | undefined;
    for (const session of this.sessions.values()) {
      if (!session.circuits.has(job.zkeySha256)) continue;
      const free = freeSlots(session);
      if (free > 0 && free > (best === undefined ? 0 : freeSlots(best))) best = session;
    }
    if (best === undefined) return Promise.reject(new ProverLostError(`${job.label}: no remote prover is free`));
    const session = best;
    return new Promise((resolve, reject) => {
      const id = randomUUID();
      const timer = setTimeout(() => {
        this.expire(session, id);
      }, this.taskDeadlineMs);
      session.tasks.set(id, { id, job, resolve, reject, timer });
      this.send(session, {
        assign: {
          taskId: id,
          zkeySha256: job.zkeySha256,
          inputJson: inputJson(job.input),
          deadlineMs: String(this.taskDeadlineMs),
        },
      });
      this.options.log.debug({ prover: session.id, task: id, job: job.label }, "assigned a task");
    });
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearInterval(this.watchdog);
    for (const session of [...this.sessions.values()]) {
      this.drop(session, "the aggregator stopped", {
        code: grpc.status.UNAVAILABLE,
        details: "the aggregator is stopping",
      });
    }
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, 2_000);
      this.server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }

  private connect(call: grpc.ServerDuplexStream<unknown, unknown>): void {
    const peer = call.getPeer();
    const log = this.options.log;
    if (this.closing) {
      call.emit("error", { code: grpc.status.UNAVAILABLE, details: "the aggregator is stopping" });
      return;
    }
    if (!this.authorized(call.metadata)) {
      log.warn({ peer }, "refused a prover: missing or wrong secret");
      call.emit("error", {
        code: grpc.status.UNAUTHENTICATED,
        details: "missing or wrong prover secret (ZKPOW_PROVER_SECRET must be the aggregator's)",
      });
      return;
    }
    let session: Session | undefined;
    let refused = false;
    const refuse = (refusal: Refusal) => {
      refused = true;
      log.warn({ peer, error: refusal.details }, "refused a prover");
      call.emit("error", refusal);
    };
    const helloTimer = setTimeout(() => {
      if (session === undefined && !refused) {
        refuse({ code: grpc.status.DEADLINE_EXCEEDED, details: "no Hello received in time" });
      }
    }, this.options.helloTimeoutMs ?? 10_000);
    helloTimer.unref();
    const ended = (reason: string) => () => {
      clearTimeout(helloTimer);
      if (session !== undefined) this.drop(session, reason);
    };
    call.on("end", ended("closed its stream"));
    call.on("cancelled", ended("disconnected"));
    call.on("error", ended("failed"));
    call.on("close", ended("disconnected"));
    call.on("data", (raw: unknown) => {
      if (refused || session?.closed === true) return;
      const parsed = proverMessageSchema.safeParse(raw);
      if (!parsed.success) {
        const problem = `malformed message: ${describeIssue(parsed.error)}`;
        if (session === undefined) refuse({ code: grpc.status.INVALID_ARGUMENT, details: problem });
        else this.notice(session, problem);
        return;
      }
      const message = parsed.data;
      if (session === undefined) {
        if (message.body !== "hello") {
          refuse({ code: grpc.status.FAILED_PRECONDITION, details: "the first message must be a Hello" });
          return;
        }
        clearTimeout(helloTimer);
        const hello = this.welcome(call, peer, message.hello);
        if ("code" in hello) refuse(hello);
        else session = hello;
        return;
      }
      session.lastSeen = Date.now();
      this.handle(session, message);
    });
  }

  private authorized(metadata: grpc.Metadata): boolean {
    const value = metadata.get(AUTHORIZATION)[0];
    if (typeof value !== "string" || !value.startsWith("Bearer ")) return false;
    return timingSafeEqual(digest(value.slice("Bearer ".length)), this.secretDigest);
  }

  /** A new session for a valid Hello, or why the prover is refused. */
  private welcome(call: grpc.ServerDuplexStream<unknown, unknown>, peer: string, raw: unknown): Session | Refusal {
    const parsed = helloSchema.safeParse(raw);
    if (!parsed.success) {
      return { code: grpc.status.INVALID_ARGUMENT, details: `malformed Hello: ${describeIssue(parsed.error)}` };
    }
    const hello = parsed.data;
    if (hello.protocolVersion !== PROTOCOL_VERSION) {
      return {
        code: grpc.status.FAILED_PRECONDITION,
        details: `the prover speaks protocol ${hello.protocolVersion}; this aggregator speaks ${PROTOCOL_VERSION}`,
      };
    }
    const ours = new Map(this.options.circuits.map((c) => [c.zkeySha256, c.name]));
    const shared = hello.circuits.filter((c) => ours.has(c.zkeySha256)).map((c) => c.zkeySha256);
    if (shared.length === 0) {
      const theirs = hello.circuits.map((c) => `${c.name} ${c.zkeySha256.slice(0, 16)}…`).join(", ");
      const wanted = this.options.circuits.map((c) => `${c.name} ${c.zkeySha256.slice(0, 16)}…`).join(", ");
      return {
        code: grpc.status.FAILED_PRECONDITION,
        details: `prover ${hello.proverId} holds zkeys [${theirs}]; this aggregator proves with [${wanted}] (same circuit, another zkey: a different setup or ceremony)`,
      };
    }
    const previous = this.sessions.get(hello.proverId);
    if (previous !== undefined) {
      this.drop(previous, "reconnected", {
        code: grpc.status.ALREADY_EXISTS,
        details: `prover ${hello.proverId} connected again from ${peer}`,
      });
    }
    const session: Session = {
      id: hello.proverId,
      peer,
      slots: hello.slots,
      circuits: new Set(shared),
      call,
      tasks: new Map(),
      cancelled: new Set(),
      connectedAt: new Date(),
      lastSeen: Date.now(),
      proofs: 0,
      closed: false,
    };
    this.sessions.set(session.id, session);
    this.send(session, {
      welcome: {
        aggregatorId: this.id,
        heartbeatIntervalMs: this.heartbeatIntervalMs,
        acceptedZkeySha256s: shared,
      },
    });
    this.options.log.info({ prover: session.id, peer, slots: session.slots }, "prover connected");
    for (const listener of this.listeners) listener();
    return session;
  }

  private handle(session: Session, message: ProverMessage): void {
    switch (message.body) {
      case "hello":
        this.notice(session, "Hello was already received on this stream; ignored");
        return;
      case "accept":
        if (!session.tasks.has(message.accept.taskId)) {
          this.notice(session, `Accept: unknown task id ${message.accept.taskId}`);
        }
        return;
      case "heartbeat": {
        const running = new Set(message.heartbeat.taskIds);
        // A cancelled task the prover no longer runs frees its slot.
        for (const taskId of session.cancelled) if (!running.has(taskId)) session.cancelled.delete(taskId);
        // A task the prover runs but does not hold here: stop it.
        for (const taskId of running) {
          if (!session.tasks.has(taskId) && !session.cancelled.has(taskId)) {
            this.send(session, { cancel: { taskId, reason: "this task is not yours" } });
          }
        }
        return;
      }
      case "failure": {
        const task = this.take(session, message.failure.taskId);
        if (session.cancelled.delete(message.failure.taskId)) return;
        if (task === undefined) {
          this.notice(session, `Failure: unknown task id ${message.failure.taskId}`);
          return;
        }
        this.options.log.warn(
          { prover: session.id, task: task.id, job: task.job.label, reason: message.failure.reason },
          "a prover failed a task; it goes to another prover",
        );
        task.reject(new ProverLostError(`prover ${session.id} failed it: ${message.failure.reason}`));
        return;
      }
      case "result":
        void this.result(session, message.result);
        return;
    }
  }

  private async result(session: Session, result: Extract<ProverMessage, { body: "result" }>["result"]): Promise<void> {
    const task = this.take(session, result.taskId);
    session.cancelled.delete(result.taskId);
    // The prover's slot is free while its proof is verified: the next task can go to it now.
    if (task !== undefined) for (const listener of this.listeners) listener();
    if (task === undefined) {
      // A late duplicate: the task went to another prover after a deadline or a reconnection.
      this.options.log.info(
        { prover: session.id, task: result.taskId },
        "ignored a result for a task the prover does not hold",
      );
      this.notice(session, `Result: unknown task id ${result.taskId} (not assigned to you, or reassigned); ignored`);
      return;
    }
    let proof: Groth16Proof | undefined;
    try {
      const parsed = groth16ProofSchema.safeParse(JSON.parse(result.proofJson));
      if (parsed.success) proof = parsed.data;
    } catch {
      // Not JSON: an invalid proof, handled below.
    }
    // A valid proof of another statement is as useless as an invalid one, and cheaper to find.
    const signals = signalsMatch(task.job, result.publicSignals);
    let valid = false;
    if (proof !== undefined && signals) {
      try {
        valid = await this.options.verify(task.job.zkeySha256, { proof, publicSignals: result.publicSignals });
      } catch (error) {
        task.reject(error instanceof Error ? error : new Error(String(error)));
        return;
      }
    }
    if (!valid || proof === undefined) {
      const what =
        proof === undefined ? "a malformed proof" : signals ? "an invalid proof" : "a proof of other public signals";
      const details = `returned ${what} for task ${task.id}; disconnected`;
      this.options.log.error({ prover: session.id, peer: session.peer, job: task.job.label }, `prover ${details}`);
      task.reject(new ProverLostError(`prover ${session.id} ${details}`));
      this.drop(session, details, { code: grpc.status.INVALID_ARGUMENT, details: `prover ${session.id} ${details}` });
      return;
    }
    session.proofs += 1;
    const timings = result.timings;
    task.resolve({
      proof,
      publicSignals: result.publicSignals,
      timings: {
        witnessSeconds: timings?.witnessSeconds ?? 0,
        proveSeconds: timings?.proveSeconds ?? 0,
        cpuSeconds: timings?.cpuSeconds ?? 0,
        peakRssMB: timings?.peakRssMb ?? 0,
      },
      prover: session.id,
    });
  }

  /** Removes a task from its prover (its slot is free again). */
  private take(session: Session, taskId: string): Assigned | undefined {
    const task = session.tasks.get(taskId);
    if (task === undefined) return undefined;
    session.tasks.delete(taskId);
    clearTimeout(task.timer);
    return task;
  }

  private expire(session: Session, taskId: string): void {
    const task = this.take(session, taskId);
    if (task === undefined) return;
    const seconds = Math.round(this.taskDeadlineMs / 1000);
    this.options.log.warn(
      { prover: session.id, job: task.job.label, seconds },
      "a task passed its deadline; it goes to another prover",
    );
    session.cancelled.add(taskId);
    this.send(session, { cancel: { taskId, reason: `its deadline of ${seconds} s passed` } });
    task.reject(new ProverLostError(`prover ${session.id} did not prove it within ${seconds} s`));
  }

  private checkHeartbeats(): void {
    const now = Date.now();
    for (const session of [...this.sessions.values()]) {
      if (now - session.lastSeen > this.heartbeatTimeoutMs) {
        const seconds = Math.round((now - session.lastSeen) / 1000);
        this.drop(session, `silent for ${seconds} s`, {
          code: grpc.status.DEADLINE_EXCEEDED,
          details: `no heartbeat for ${seconds} s`,
        });
      }
    }
  }

  /** Ends a session: its tasks go to other provers; `refusal` ends the call with that status. */
  private drop(session: Session, reason: string, refusal?: Refusal): void {
    if (session.closed) return;
    session.closed = true;
    if (this.sessions.get(session.id) === session) this.sessions.delete(session.id);
    const tasks = [...session.tasks.keys()].flatMap((id) => this.take(session, id) ?? []);
    for (const task of tasks) task.reject(new ProverLostError(`prover ${session.id} ${reason}`));
    this.options.log.info({ prover: session.id, reason, tasks: tasks.length }, "prover gone");
    if (refusal !== undefined) {
      try {
        session.call.emit("error", refusal);
      } catch (error) {
        this.options.log.debug({ prover: session.id, error: String(error) }, "the prover's call was already closed");
      }
    }
  }

  private notice(session: Session, message: string): void {
    this.options.log.warn({ prover: session.id, problem: message }, "a prover sent a message it should not have");
    this.send(session, { notice: { message } });
  }

  private send(session: Session, message: Record<string, unknown>): void {
    if (session.closed || session.call.writableEnded || session.call.destroyed) return;
    session.call.write(message);
  }
}
