import { isError } from "ethers";

import type { ZkPowRollup } from "../../types/ethers-contracts/index.js";

/**
 * The rollup's custom error that a failed call or estimate carries, by name
 * (AlreadyCommitted, SequenceAlreadyVerified, RevealWindowNotOpen, ...), or
 * undefined when the failure is not a revert with a known error (an RPC
 * failure, say), which the caller must treat as transient.
 */
export function revertName(rollup: ZkPowRollup, error: unknown): string | undefined {
  if (!isError(error, "CALL_EXCEPTION")) return undefined;
  // ethers types data as always present; a node that answers a revert without data leaves it null.
  const data: unknown = error.data;
  if (typeof data !== "string" || data === "0x") return undefined;
  return rollup.interface.parseError(data)?.name;
}

/** A call that reverts with a known custom error: its name; success: null; anything else is rethrown. */
export async function probe(rollup: ZkPowRollup, call: () => Promise<unknown>): Promise<string | null> {
  try {
    await call();
    return null;
  } catch (error) {
    const name = revertName(rollup, error);
    if (name === undefined) throw error;
    return name;
  }
}
