import { fileURLToPath } from "node:url";

import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { z } from "zod";

/** Bumped when a message changes meaning; the aggregator refuses a prover that speaks another version. */
export const PROTOCOL_VERSION = 1;

/** Largest message either side takes (a b128d24 circuit's input is a few hundred kB). */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

const PROTO = fileURLToPath(new URL("../../../proto/prover.proto", import.meta.url));

const definition = protoLoader.loadSync(PROTO, {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
});
const loaded = grpc.loadPackageDefinition(definition) as unknown as {
  zkpow: { prover: { v1: { ProverHub: grpc.ServiceClientConstructor } } };
};

/** The ProverHub service (proto/prover.proto): the aggregator serves it, provers call it. */
export const ProverHubClient = loaded.zkpow.prover.v1.ProverHub;
export const proverHubService = ProverHubClient.service;

/** The call's metadata key that carries `Bearer <secret>`. */
export const AUTHORIZATION = "authorization";

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, "a lower-case hex sha256");
const taskId = z.string().min(1).max(128);
const decimal = z.string().regex(/^[0-9]{1,78}$/, "a decimal field element");

export const helloSchema = z.object({
  protocolVersion: z.number().int(),
  proverId: z
    .string()
    .min(1, "a prover id is required")
    .max(128)
    .regex(/^[\w.:@-]+$/, "letters, digits and . _ : @ - only"),
  slots: z.number().int().min(1, "at least one slot").max(1024),
  circuits: z
    .array(z.object({ name: z.string().max(64), zkeySha256: hex64 }))
    .min(1, "at least one circuit")
    .max(64),
});
export type Hello = z.infer<typeof helloSchema>;

const timingsSchema = z.object({
  witnessSeconds: z.number().nonnegative(),
  proveSeconds: z.number().nonnegative(),
  cpuSeconds: z.number().nonnegative(),
  peakRssMb: z.number().nonnegative(),
});

/** What a prover may send after its Hello (the body proto-loader decoded, `body` naming the oneof set). */
export const proverMessageSchema = z.discriminatedUnion("body", [
  z.object({ body: z.literal("hello"), hello: z.unknown() }),
  z.object({ body: z.literal("accept"), accept: z.object({ taskId }) }),
  z.object({ body: z.literal("heartbeat"), heartbeat: z.object({ taskIds: z.array(taskId).max(1024) }) }),
  z.object({
    body: z.literal("result"),
    result: z.object({
      taskId,
      proofJson: z.string(),
      publicSignals: z.array(decimal).max(1024),
      timings: timingsSchema.nullable(),
    }),
  }),
  z.object({ body: z.literal("failure"), failure: z.object({ taskId, reason: z.string().max(4096) }) }),
]);
export type ProverMessage = z.infer<typeof proverMessageSchema>;

export const aggregatorMessageSchema = z.discriminatedUnion("body", [
  z.object({
    body: z.literal("welcome"),
    welcome: z.object({
      aggregatorId: z.string(),
      heartbeatIntervalMs: z.number().int().positive(),
      acceptedZkeySha256s: z.array(hex64),
    }),
  }),
  z.object({
    body: z.literal("assign"),
    assign: z.object({ taskId, zkeySha256: hex64, inputJson: z.string(), deadlineMs: z.coerce.number().int() }),
  }),
  z.object({ body: z.literal("cancel"), cancel: z.object({ taskId, reason: z.string() }) }),
  z.object({ body: z.literal("notice"), notice: z.object({ message: z.string() }) }),
]);
export type AggregatorMessage = z.infer<typeof aggregatorMessageSchema>;

/** A Groth16 proof as a prover returns it (snarkjs's JSON): anything else is an invalid proof. */
export const groth16ProofSchema = z.object({
  pi_a: z.array(decimal).length(3),
  pi_b: z.array(z.array(decimal).length(2)).length(3),
  pi_c: z.array(decimal).length(3),
  protocol: z.literal("groth16"),
  curve: z.literal("bn128"),
});

/** Zod's first complaint as one line: "where: what". */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return "malformed";
  const where = issue.path.length > 0 ? issue.path.join(".") : "message";
  return `${where}: ${issue.message}`;
}
