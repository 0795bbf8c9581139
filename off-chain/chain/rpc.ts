/** The RPC failed; the message names the chain and the call. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === "string" ? `${code}: ${error.message.split("\n")[0]}` : (error.message.split("\n")[0] ?? "");
  }
  return String(error);
}

/** Waits `ms`, or less if the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Error codes of a connection that failed on the way (Node, undici, ethers): worth asking again. */
const TRANSIENT_CODES = new Set(["ECONNRESET", "EPIPE", "ETIMEDOUT", "UND_ERR_SOCKET", "NETWORK_ERROR", "TIMEOUT"]);

/**
 * Whether an RPC call failed on the way rather than by its answer: a reset or
 * timed-out connection (an RPC closing a kept-alive connection as it is
 * reused, a restarting node). A refused connection is not: nothing listens.
 */
export function isTransientRpcError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && TRANSIENT_CODES.has(code)) return true;
  return /socket hang up|ECONNRESET/.test(error.message);
}

/** Runs `call`, asking again (up to `attempts` times, with backoff) while it fails transiently. */
export async function retryTransient<T>(call: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= attempts || !isTransientRpcError(error)) throw error;
      await sleep(250 * 2 ** attempt);
    }
  }
}
