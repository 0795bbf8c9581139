import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import * as grpc from "@grpc/grpc-js";
import { expect } from "chai";
import { pino } from "pino";

import { ensureCircuit, getCircuitConfig, type CircuitArtifacts } from "../../off-chain/circuits/index.js";
import {
  BatchProver,
  LocalBackend,
  ProofGenerationError,
  ProofScheduler,
  verifyProof,
  WorkerPool,
  type ProofBackend,
  type ProveJob,
  type ProveReply,
} from "../../off-chain/prover/index.js";
import { ProverClient, ProverRefusedError } from "../../off-chain/prover/remote/client.js";
import { ProverHub } from "../../off-chain/prover/remote/hub.js";
import {
  aggregatorMessageSchema,
  AUTHORIZATION,
  ProverHubClient,
  type AggregatorMessage,
} from "../../off-chain/prover/remote/protocol.js";
import { l2Fixture, PROVER, sign, type L2Fixture } from "../helpers/l2.js";
import { waitFor } from "../helpers/miner.js";
import { ServiceProcess } from "../helpers/service-process.js";

const CIRCUIT = "b1d4";
/** A self-signed test certificate for 127.0.0.1 (test/fixtures/tls/make.sh). */
const TLS = fileURLToPath(new URL("../fixtures/tls", import.meta.url));
const { batchSize, treeDepth } = getCircuitConfig(CIRCUIT);
const SECRET = "test-prover-secret-0123456789";
const TIMEOUT_MS = 120_000;
const quiet = pino({ level: process.env.REMOTE_TEST_LOG ?? "silent" });

type ProverLine = { msg: string; task?: string; proverId?: string };

/** `npm run prover` as a prover machine runs it. */
function proverProcess(dir: string, name: string, port: number, slots = 1): ServiceProcess<ProverLine> {
  const logFile = join(dir, `${name}.log`);
  return new ServiceProcess<ProverLine>(
    name,
    logFile,
    "scripts/prover.ts",
    [
      "--aggregator",
      `127.0.0.1:${port}`,
      "--circuit",
      CIRCUIT,
      "--slots",
      String(slots),
      "--id",
      name,
      "--log-file",
      logFile,
    ],
    { ZKPOW_PROVER_SECRET: SECRET },
  );
}

/** A prover machine in this process: a LocalBackend, optionally altered (a test double). */
function inProcessProver(
  port: number,
  artifacts: CircuitArtifacts,
  options: {
    id: string;
    secret?: string;
    zkeySha256?: string;
    alter?: (reply: ProveReply) => ProveReply;
    /** Changes the job before proving it: a valid proof of another statement. */
    alterJob?: (job: ProveJob) => ProveJob;
    tls?: { ca?: Buffer };
  },
): ProverClient {
  const local = new LocalBackend(new WorkerPool(1), { circuits: [artifacts] });
  const backend: ProofBackend = {
    name: "test",
    free: (zkey) => local.free(zkey),
    slots: () => local.slots(),
    prove: async (job: ProveJob, signal?: AbortSignal) => {
      const reply = await local.prove(options.alterJob === undefined ? job : options.alterJob(job), signal);
      return options.alter === undefined ? reply : options.alter(reply);
    },
    close: () => local.close(),
  };
  return new ProverClient({
    aggregator: `127.0.0.1:${port}`,
    secret: options.secret ?? SECRET,
    proverId: options.id,
    circuits: [{ name: CIRCUIT, zkeySha256: options.zkeySha256 ?? artifacts.zkeySha256 }],
    backend,
    ...(options.tls !== undefined ? { tls: options.tls } : {}),
    log: quiet,
    minBackoffMs: 100,
    maxBackoffMs: 500,
  });
}

describe(`remote provers over gRPC (${CIRCUIT}, real proofs)`, function () {
  this.timeout(4 * TIMEOUT_MS);
  let artifacts: CircuitArtifacts;
  let fixture: L2Fixture;
  let verifier: WorkerPool;
  let dir: string;
  const cleanup: (() => Promise<unknown>)[] = [];

  before(async function () {
    artifacts = await ensureCircuit(CIRCUIT);
    fixture = await l2Fixture(treeDepth, [1_000n, 2_000n]);
    verifier = new WorkerPool(1);
    dir = await mkdtemp(join(tmpdir(), "zkpow-remote-"));
  });

  afterEach(async function () {
    // Every step, even after one fails: a step left out would leave a server or a process running.
    const failures: unknown[] = [];
    for (const step of cleanup.splice(0).reverse()) await step().catch((error: unknown) => failures.push(error));
    if (failures.length > 0) throw failures[0];
  });

  after(async function () {
    await verifier.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function startHub(
    options: {
      port?: number;
      taskDeadlineMs?: number;
      heartbeatIntervalMs?: number;
      tls?: { cert: Buffer; key: Buffer };
    } = {},
  ) {
    const hub = await ProverHub.start({
      listen: `127.0.0.1:${options.port ?? 0}`,
      secret: SECRET,
      circuits: [{ name: CIRCUIT, zkeySha256: artifacts.zkeySha256 }],
      verify: (_zkey, proof) => verifyProof(verifier, artifacts.verificationKey, proof),
      log: quiet,
      ...options,
    });
    const scheduler = new ProofScheduler([hub]);
    const prover = await BatchProver.create({
      circuit: { ...artifacts, batchSize },
      chainId: fixture.chainId,
      scheduler,
      verifier,
    });
    cleanup.push(() => scheduler.close());
    return { hub, scheduler, prover };
  }

  function proveAmount(prover: BatchProver, amount: bigint, priority = 0n) {
    return prover.prove(
      fixture.genesis.seal([sign(fixture, 0, { from: 0, to: 1, amount, nonce: 0n })], fixture.chainId),
      fixture.genesis,
      PROVER,
      priority,
      `amount ${amount}`,
    );
  }

  it("Should prove a 3-batch sequence on three prover processes, one batch each, every proof verifying", async function () {
    const { hub, prover } = await startHub();
    const machines = ["alpha", "beta", "gamma"].map((name) => proverProcess(dir, name, hub.port));
    cleanup.push(() => Promise.all(machines.map((machine) => machine.kill())));
    await waitFor("three provers connected", () => Promise.resolve(hub.provers().length === 3), TIMEOUT_MS, 50);
    expect(hub.slots()).to.equal(3);

    // Three batches of one sequence, each from the state the one before leaves.
    const transfers = [1n, 2n, 3n].map((amount, nonce) =>
      sign(fixture, 0, { from: 0, to: 1, amount, nonce: BigInt(nonce) }),
    );
    const states = [fixture.genesis];
    for (const transfer of transfers) {
      states.push(at(states, -1).applySigned([transfer], fixture.chainId).state);
    }
    const results = await Promise.all(
      transfers.map((transfer, i) =>
        prover.prove(at(states, i).seal([transfer], fixture.chainId), at(states, i), PROVER, 1n, `batch ${i}`),
      ),
    );
    for (const [i, result] of results.entries()) {
      expect(await prover.verify(result), `batch ${i}`).to.equal(true);
      expect(result.witness.newStateRoot).to.equal(at(states, i + 1).root);
    }
    // Spread: each machine proved one batch at once, none two.
    expect(new Set(results.map((r) => r.prover))).to.deep.equal(new Set(["alpha", "beta", "gamma"]));
    expect(hub.provers().map((p) => p.proofs)).to.deep.equal([1, 1, 1]);
  });

  it("Should finish on another prover the task of a prover killed with SIGKILL mid-proof, counting each proof once", async function () {
    const { hub, prover } = await startHub();
    const doomed = proverProcess(dir, "doomed", hub.port);
    cleanup.push(() => doomed.kill());
    await waitFor("the first prover", () => Promise.resolve(hub.provers().length === 1), TIMEOUT_MS, 50);
    const proof = proveAmount(prover, 5n);
    await doomed.waitForLine("proving", (line) => line.msg === "proving", TIMEOUT_MS);
    await doomed.kill();
    await waitFor("the killed prover dropped", () => Promise.resolve(hub.provers().length === 0), TIMEOUT_MS, 20);
    const survivor = proverProcess(dir, "survivor", hub.port);
    cleanup.push(() => survivor.kill());
    const result = await proof;
    expect(result.prover).to.equal("survivor");
    expect(await prover.verify(result)).to.equal(true);
    expect(hub.provers()).to.have.length(1);
    expect(hub.provers()[0]?.proofs).to.equal(1);
    const proved = (await survivor.lines()).filter((line) => line.msg === "proved");
    expect(proved).to.have.length(1);
  });

  it("Should disconnect a prover that returns a corrupted proof and prove its task on another", async function () {
    const { hub, prover } = await startHub();
    const cheat = inProcessProver(hub.port, artifacts, {
      id: "cheat",
      alter: (reply) => ({ ...reply, proof: { ...reply.proof, pi_a: ["1", ...reply.proof.pi_a.slice(1)] } }),
    });
    cleanup.push(() => cheat.stop());
    await waitFor("the cheat connected", () => Promise.resolve(cheat.connected), TIMEOUT_MS, 20);
    const proof = proveAmount(prover, 6n);
    let refusal: unknown;
    await cheat.done.catch((error: unknown) => (refusal = error));
    expect(refusal).to.be.instanceOf(ProverRefusedError);
    expect((refusal as ProverRefusedError).code).to.equal(grpc.status.INVALID_ARGUMENT);
    expect((refusal as Error).message).to.match(
      /prover cheat returned an invalid proof for task [0-9a-f-]+; disconnected/,
    );
    expect(hub.provers()).to.deep.equal([]);

    const honest = inProcessProver(hub.port, artifacts, { id: "honest" });
    cleanup.push(() => honest.stop());
    const result = await proof;
    expect(result.prover).to.equal("honest");
    expect(await prover.verify(result)).to.equal(true);
  });

  it("Should disconnect a prover that returns a valid proof of other public signals (bound to another address) and prove its task on another", async function () {
    const { hub, prover } = await startHub();
    const thief = "0x000000000000000000000000000000000000dEaD";
    const cheat = inProcessProver(hub.port, artifacts, {
      id: "other-statement",
      alterJob: (job) => ({ ...job, input: { ...job.input, prover: BigInt(thief).toString() } }),
    });
    cleanup.push(() => cheat.stop());
    await waitFor("the cheat connected", () => Promise.resolve(cheat.connected), TIMEOUT_MS, 20);
    const proof = proveAmount(prover, 7n);
    let refusal: unknown;
    await cheat.done.catch((error: unknown) => (refusal = error));
    expect((refusal as ProverRefusedError).code).to.equal(grpc.status.INVALID_ARGUMENT);
    expect((refusal as Error).message).to.match(
      /prover other-statement returned a proof of other public signals for task [0-9a-f-]+; disconnected/,
    );

    const honest = inProcessProver(hub.port, artifacts, { id: "honest" });
    cleanup.push(() => honest.stop());
    const result = await proof;
    expect(result.prover).to.equal("honest");
    expect(result.publicSignals.at(-1)).to.equal(BigInt(PROVER).toString());
    expect(await prover.verify(result)).to.equal(true);
  });

  it("Should refuse in the BatchProver a proof of other public signals from any backend, its own processes included", async function () {
    const local = new LocalBackend(new WorkerPool(1), { circuits: [artifacts] });
    const lying: ProofBackend = {
      name: "lying",
      free: (zkey) => local.free(zkey),
      slots: () => local.slots(),
      prove: (job, signal) => local.prove({ ...job, input: { ...job.input, prover: "57005" } }, signal),
      close: () => local.close(),
    };
    const scheduler = new ProofScheduler([lying]);
    cleanup.push(() => scheduler.close());
    const prover = await BatchProver.create({
      circuit: { ...artifacts, batchSize },
      chainId: fixture.chainId,
      scheduler,
      verifier,
    });
    let failure: unknown;
    await proveAmount(prover, 8n).catch((error: unknown) => (failure = error));
    expect(failure).to.be.instanceOf(ProofGenerationError);
    expect((failure as ProofGenerationError).detail).to.match(
      /^local returned a proof of public signals \[.*, 57005\], not the witness's \[.*, \d+\]$/,
    );
  });

  it("Should refuse at connection a prover with another zkey, and one with a wrong secret", async function () {
    const { hub } = await startHub();
    const otherKey = inProcessProver(hub.port, artifacts, { id: "other-key", zkeySha256: "ab".repeat(32) });
    let refusal: unknown;
    await otherKey.done.catch((error: unknown) => (refusal = error));
    expect((refusal as ProverRefusedError).code).to.equal(grpc.status.FAILED_PRECONDITION);
    expect((refusal as Error).message).to.include(`prover other-key holds zkeys [b1d4 abababababababab…]`);
    expect((refusal as Error).message).to.include(
      `this aggregator proves with [b1d4 ${artifacts.zkeySha256.slice(0, 16)}…]`,
    );

    const intruder = inProcessProver(hub.port, artifacts, { id: "intruder", secret: "not-the-secret-at-all" });
    await intruder.done.catch((error: unknown) => (refusal = error));
    expect((refusal as ProverRefusedError).code).to.equal(grpc.status.UNAUTHENTICATED);
    expect((refusal as Error).message).to.include("missing or wrong prover secret");
    expect(hub.provers()).to.deep.equal([]);
    expect(hub.slots()).to.equal(0);
  });

  it("Should prove for a prover over TLS, and give nothing to one that dials the TLS hub in clear", async function () {
    const tls = { cert: await readFile(join(TLS, "hub.crt")), key: await readFile(join(TLS, "hub.key")) };
    const { hub, prover } = await startHub({ tls });
    const clear = inProcessProver(hub.port, artifacts, { id: "clear" });
    cleanup.push(() => clear.stop());
    const secure = inProcessProver(hub.port, artifacts, { id: "secure", tls: { ca: tls.cert } });
    cleanup.push(() => secure.stop());
    await waitFor("the TLS prover connected", () => Promise.resolve(secure.connected), TIMEOUT_MS, 20);
    const result = await proveAmount(prover, 11n);
    expect(result.prover).to.equal("secure");
    expect(await prover.verify(result)).to.equal(true);
    expect(clear.connected).to.equal(false);
    expect(hub.provers().map((p) => p.id)).to.deep.equal(["secure"]);
  });

  it("Should let provers reconnect after the aggregator restarts, its task in flight failing over to the new one", async function () {
    const first = await startHub();
    const port = first.hub.port;
    const machine = proverProcess(dir, "steady", port);
    cleanup.push(() => machine.kill());
    await waitFor("connected", () => Promise.resolve(first.hub.provers().length === 1), TIMEOUT_MS, 50);
    const inFlight = proveAmount(first.prover, 7n).then(
      () => undefined,
      (error: unknown) => error,
    );
    await machine.waitForLine("proving", (line) => line.msg === "proving", TIMEOUT_MS);
    await first.scheduler.close();
    const failure = await inFlight;
    expect(failure).to.be.instanceOf(ProofGenerationError);
    expect(machine.exit).to.equal(undefined);

    const second = await startHub({ port });
    await waitFor("reconnected", () => Promise.resolve(second.hub.provers().length === 1), TIMEOUT_MS, 50);
    const result = await proveAmount(second.prover, 7n);
    expect(result.prover).to.equal("steady");
    expect(await second.prover.verify(result)).to.equal(true);
    const lines = await machine.lines();
    expect(lines.filter((line) => line.msg === "connected to the aggregator")).to.have.length(2);
    expect(lines.some((line) => line.msg === "lost the aggregator; reconnecting")).to.equal(true);
  });

  it("Should give a task whose prover passes its deadline to another, and ignore the late result", async function () {
    // Long enough for the honest prover's real proof, short enough for a test.
    const { hub, prover } = await startHub({ taskDeadlineMs: 12_000 });
    const raw = rawSession(hub.port);
    cleanup.push(() => {
      raw.call.cancel();
      return Promise.resolve();
    });
    raw.hello("sleepy", artifacts.zkeySha256);
    await waitFor("the sleepy prover", () => Promise.resolve(hub.provers().length === 1), TIMEOUT_MS, 20);
    const proof = proveAmount(prover, 8n);
    const assign = await raw.next("assign");
    raw.call.write({ accept: { taskId: assign.assign.taskId } });
    const cancel = await raw.next("cancel");
    expect(cancel.cancel.taskId).to.equal(assign.assign.taskId);
    expect(cancel.cancel.reason).to.match(/deadline of 12 s passed/);

    const honest = inProcessProver(hub.port, artifacts, { id: "honest" });
    cleanup.push(() => honest.stop());
    const result = await proof;
    expect(result.prover).to.equal("honest");
    // The sleepy prover's late answer, a valid-looking one, is refused as not its task.
    raw.call.write({
      result: {
        taskId: assign.assign.taskId,
        proofJson: JSON.stringify(result.proof),
        publicSignals: result.publicSignals,
      },
    });
    const notice = await raw.next("notice");
    expect(notice.notice.message).to.match(/unknown task id .* ignored/);
    expect(hub.provers().find((p) => p.id === "sleepy")?.proofs).to.equal(0);
  });

  it("Should drop a prover that stops heartbeating and give its task to another", async function () {
    const { hub, prover } = await startHub({ heartbeatIntervalMs: 200 });
    const raw = rawSession(hub.port);
    cleanup.push(() => {
      raw.call.cancel();
      return Promise.resolve();
    });
    raw.hello("silent", artifacts.zkeySha256);
    const proof = proveAmount(prover, 9n);
    await raw.next("assign");
    const status = await raw.ended;
    expect(status.code).to.equal(grpc.status.DEADLINE_EXCEEDED);
    expect(status.details).to.match(/no heartbeat for \d+ s/);
    const honest = inProcessProver(hub.port, artifacts, { id: "honest" });
    cleanup.push(() => honest.stop());
    expect((await proof).prover).to.equal("honest");
  });

  it("Should answer every malformed prover message with a clear error and keep serving the others", async function () {
    const { hub, prover } = await startHub();
    const refusedWith = async (send: (session: RawSession) => void) => {
      const raw = rawSession(hub.port);
      send(raw);
      return raw.ended;
    };
    // Not a Hello first; a Hello with no slots; a Hello of another protocol version.
    let status = await refusedWith((s) => s.call.write({ heartbeat: { taskIds: [] } }));
    expect([status.code, status.details]).to.deep.equal([
      grpc.status.FAILED_PRECONDITION,
      "the first message must be a Hello",
    ]);
    status = await refusedWith((s) => {
      s.hello("zero", artifacts.zkeySha256, { slots: 0 });
    });
    expect([status.code, status.details]).to.deep.equal([
      grpc.status.INVALID_ARGUMENT,
      "malformed Hello: slots: at least one slot",
    ]);
    status = await refusedWith((s) => {
      s.hello("future", artifacts.zkeySha256, { protocolVersion: 99 });
    });
    expect(status.details).to.equal("the prover speaks protocol 99; this aggregator speaks 1");
    status = await refusedWith((s) => {
      s.hello("bad id!", artifacts.zkeySha256);
    });
    expect(status.details).to.equal("malformed Hello: proverId: letters, digits and . _ : @ - only");
    // A payload over the limit.
    status = await refusedWith((s) => s.call.write({ failure: { taskId: "x", reason: "x".repeat(17 * 1024 * 1024) } }));
    expect(status.code).to.equal(grpc.status.RESOURCE_EXHAUSTED);

    // In a session: unknown task ids and a result that is not a proof's shape get a Notice; the stream stays.
    const raw = rawSession(hub.port);
    cleanup.push(() => {
      raw.call.cancel();
      return Promise.resolve();
    });
    raw.hello("clumsy", artifacts.zkeySha256);
    await raw.next("welcome");
    raw.call.write({ accept: { taskId: "no-such-task" } });
    expect((await raw.next("notice")).notice.message).to.equal("Accept: unknown task id no-such-task");
    raw.call.write({ result: { taskId: "no-such-task", proofJson: "{", publicSignals: ["1"] } });
    expect((await raw.next("notice")).notice.message).to.match(/^Result: unknown task id no-such-task/);
    raw.call.write({ result: { taskId: "t", proofJson: "{}", publicSignals: ["-1"] } });
    expect((await raw.next("notice")).notice.message).to.equal(
      "malformed message: result.publicSignals.0: a decimal field element",
    );
    raw.call.write({ hello: { protocolVersion: 1, proverId: "clumsy", slots: 1, circuits: [] } });
    expect((await raw.next("notice")).notice.message).to.match(/Hello was already received/);
    expect(hub.provers().map((p) => p.id)).to.deep.equal(["clumsy"]);

    // Bytes that are not a ProverMessage at all (a length-delimited field given as a varint): the call ends.
    const garbage = garbageCall(hub.port);
    garbage.call.write(Buffer.from([0x0a, 0x05]));
    const ended = await garbage.ended;
    expect(ended.code).to.equal(grpc.status.INTERNAL);
    expect(ended.details).to.match(/deserializ/i);

    // The hub still proves.
    raw.call.cancel();
    await waitFor("the clumsy prover gone", () => Promise.resolve(hub.provers().length === 0), TIMEOUT_MS, 20);
    const honest = inProcessProver(hub.port, artifacts, { id: "honest" });
    cleanup.push(() => honest.stop());
    expect(await prover.verify(await proveAmount(prover, 10n))).to.equal(true);
  });
});

type Received = Record<string, unknown> & { body: string };

function at<T>(list: readonly T[], index: number): T {
  const item = list.at(index);
  if (item === undefined) throw new Error(`no item ${index} of ${list.length}`);
  return item;
}
interface RawSession {
  readonly call: grpc.ClientDuplexStream<unknown, unknown>;
  readonly ended: Promise<{ code: grpc.status; details: string }>;
  hello(id: string, zkeySha256: string, change?: Record<string, unknown>): void;
  next<Body extends AggregatorMessage["body"]>(body: Body): Promise<Extract<AggregatorMessage, { body: Body }>>;
}

/** A hand-driven prover session with the real protobuf messages: what a buggy or hostile prover could send. */
function rawSession(port: number): RawSession {
  const client = new ProverHubClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const metadata = new grpc.Metadata();
  metadata.set(AUTHORIZATION, `Bearer ${SECRET}`);
  const { connect } = client as unknown as { connect: (m: grpc.Metadata) => grpc.ClientDuplexStream<unknown, unknown> };
  const call = connect.call(client, metadata);
  const inbox: Received[] = [];
  call.on("data", (message: Received) => inbox.push(message));
  const ended = new Promise<{ code: grpc.status; details: string }>((resolve) => {
    call.on("error", (error: grpc.ServiceError) => {
      resolve({ code: error.code, details: error.details });
    });
    call.on("end", () => {
      resolve({ code: grpc.status.OK, details: "ended" });
    });
  });
  return {
    call,
    ended,
    hello(id, zkeySha256, change = {}) {
      call.write({
        hello: { protocolVersion: 1, proverId: id, slots: 1, circuits: [{ name: CIRCUIT, zkeySha256 }], ...change },
      });
    },
    async next<Body extends AggregatorMessage["body"]>(body: Body) {
      return waitFor(
        `a ${body} from the hub`,
        () => {
          const at = inbox.findIndex((message) => message.body === body);
          const found = at === -1 ? undefined : inbox.splice(at, 1)[0];
          return Promise.resolve(
            found && (aggregatorMessageSchema.parse(found) as Extract<AggregatorMessage, { body: Body }>),
          );
        },
        TIMEOUT_MS,
        10,
      );
    },
  };
}

/** A call that sends raw bytes, not ProverMessages. */
function garbageCall(port: number) {
  const Client = grpc.makeGenericClientConstructor(
    {
      connect: {
        path: "/zkpow.prover.v1.ProverHub/Connect",
        requestStream: true,
        responseStream: true,
        requestSerialize: (bytes: Buffer) => bytes,
        requestDeserialize: (bytes: Buffer) => bytes,
        responseSerialize: (bytes: Buffer) => bytes,
        responseDeserialize: (bytes: Buffer) => bytes,
      },
    },
    "ProverHub",
  );
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const metadata = new grpc.Metadata();
  metadata.set(AUTHORIZATION, `Bearer ${SECRET}`);
  const { connect } = client as unknown as { connect: (m: grpc.Metadata) => grpc.ClientDuplexStream<Buffer, Buffer> };
  const call = connect.call(client, metadata);
  const ended = new Promise<{ code: grpc.status; details: string }>((resolve) => {
    call.on("error", (error: grpc.ServiceError) => {
      resolve({ code: error.code, details: error.details });
    });
    call.on("data", () => undefined);
  });
  return { call, ended };
}
