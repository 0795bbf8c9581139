import {
  toTransferBody,
  type AccountView,
  type ApiErrorBody,
  type RollupStateView,
  type TransferView,
} from "../sequencer/wire.js";
import type { SignedTransfer } from "../l2/index.js";

/** The sequencer refused a request, or answered what a sequencer does not. */
export class SequencerApiError extends Error {
  constructor(
    /** The HTTP status (0 when the sequencer could not be reached). */
    readonly status: number,
    /** The API's error code (docs/sequencer.md), or UNREACHABLE / BAD_RESPONSE. */
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = "SequencerApiError";
  }
}

/** What POST /transfers answers. */
export interface SubmittedTransfer {
  readonly id: string;
  readonly position: string;
  readonly status: "pending";
}

/** A typed client of a sequencer's HTTP API. */
export class SequencerClient {
  private readonly base: string;

  constructor(
    url: string,
    private readonly timeoutMs = 10_000,
  ) {
    this.base = url.replace(/\/+$/, "");
  }

  account(index: number): Promise<AccountView> {
    return this.request<AccountView>("GET", `/accounts/${index}`);
  }

  submitTransfer(transfer: SignedTransfer): Promise<SubmittedTransfer> {
    return this.request<SubmittedTransfer>("POST", "/transfers", toTransferBody(transfer));
  }

  transfer(id: string): Promise<TransferView> {
    return this.request<TransferView>("GET", `/transfers/${encodeURIComponent(id)}`);
  }

  state(): Promise<RollupStateView> {
    return this.request<RollupStateView>("GET", "/state");
  }

  /** Polls a transfer until it is verified; fails after `timeoutMs`, naming where it stands. */
  async waitVerified(id: string, timeoutMs: number, everyMs = 1_000): Promise<TransferView> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const transfer = await this.transfer(id);
      if (transfer.status === "verified") return transfer;
      if (Date.now() >= deadline) {
        const where = transfer.batch === undefined ? "" : ` in batch ${transfer.batch}`;
        throw new Error(`transfer ${id} is still ${transfer.status}${where} after ${timeoutMs} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  }

  private async request<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(this.base + path, {
        method,
        signal: AbortSignal.timeout(this.timeoutMs),
        ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
      });
    } catch (error) {
      const reason =
        error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
      throw new SequencerApiError(0, "UNREACHABLE", `cannot reach the sequencer at ${this.base} (${reason})`);
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new SequencerApiError(
        response.status,
        "BAD_RESPONSE",
        `${method} ${path} answered non-JSON: ${text.slice(0, 200)}`,
      );
    }
    if (!response.ok) {
      const error = json as Partial<ApiErrorBody>;
      throw new SequencerApiError(response.status, error.code ?? "BAD_RESPONSE", error.message ?? text.slice(0, 200));
    }
    return json as T;
  }
}
