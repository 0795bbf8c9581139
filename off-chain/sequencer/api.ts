import Fastify, { type FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { z, type ZodType } from "zod";

import { Refusal } from "./errors.js";
import type { Accepted } from "./mempool.js";
import {
  transferBodySchema,
  transferIdSchema,
  type AccountView,
  type ApiErrorBody,
  type RollupStateView,
  type TransferBody,
  type TransferView,
} from "./wire.js";

/** What the API needs of the sequencer. */
export interface SequencerBackend {
  accept(body: TransferBody): Promise<Accepted>;
  account(index: number): Promise<AccountView>;
  transfer(id: string): Promise<TransferView>;
  state(): Promise<RollupStateView>;
  health(): { ok: boolean; detail: string };
}

const accountParams = z
  .object({
    index: z.coerce
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1),
  })
  .strict();
const transferParams = z.object({ id: transferIdSchema }).strict();

/** Names the first problems of a failed zod check: `field: what is wrong`. */
function describeIssues(error: z.ZodError, where: string): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${where}${issue.path.length > 0 ? "." + issue.path.join(".") : ""}: ${issue.message}`)
    .join("; ");
}

/**
 * The sequencer's HTTP JSON API (docs/sequencer.md): requests are checked by
 * zod schemas through Fastify's validator compiler, and every error answers
 * { code, message }.
 */
export function buildApi(backend: SequencerBackend, log: Logger): FastifyInstance {
  // Fastify's own request logging stays off: the sequencer logs what it does, not every GET.
  const app = Fastify({ bodyLimit: 16_384 });
  app.setValidatorCompiler(({ schema, httpPart }) => {
    const zod = schema as ZodType;
    return (data: unknown) => {
      const result = zod.safeParse(data);
      if (result.success) return { value: result.data };
      return { error: new Refusal(400, "INVALID_REQUEST", describeIssues(result.error, httpPart ?? "request")) };
    };
  });
  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof Refusal) {
      return reply.status(error.status).send({ code: error.code, message: error.message } satisfies ApiErrorBody);
    }
    const status = (error as { statusCode?: unknown }).statusCode;
    if (error instanceof Error && typeof status === "number" && status >= 400 && status < 500) {
      // Fastify's own refusals: malformed JSON, a wrong content type, a body too large.
      return reply.status(400).send({ code: "INVALID_REQUEST", message: error.message } satisfies ApiErrorBody);
    }
    log.error({ err: error }, "request failed");
    return reply
      .status(500)
      .send({ code: "INTERNAL_ERROR", message: "the sequencer failed to answer; see its log" } satisfies ApiErrorBody);
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send({ code: "NOT_FOUND", message: `no route ${request.method} ${request.url}` } satisfies ApiErrorBody),
  );

  app.post("/transfers", { schema: { body: transferBodySchema } }, async (request, reply) => {
    const accepted = await backend.accept(request.body as TransferBody);
    return reply.status(202).send({ ...accepted, status: "pending" });
  });
  app.get("/transfers/:id", { schema: { params: transferParams } }, async (request) =>
    backend.transfer((request.params as z.infer<typeof transferParams>).id),
  );
  app.get("/accounts/:index", { schema: { params: accountParams } }, async (request) =>
    backend.account((request.params as z.infer<typeof accountParams>).index),
  );
  app.get("/state", async () => backend.state());
  app.get("/health", async (_request, reply) => {
    const health = backend.health();
    return reply.status(health.ok ? 200 : 503).send(health);
  });
  return app;
}
