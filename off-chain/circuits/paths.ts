import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: this file is off-chain/circuits/paths.ts. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The circom sources: every `*.circom` under it is part of the compile cache key. */
export const CIRCUITS_SOURCE_DIR = path.join(REPO_ROOT, "circuits");

/** Where the committed verifiers go (contracts/verifiers/). */
export const VERIFIERS_DIR = path.join(REPO_ROOT, "contracts", "verifiers");

/** Dev powers of tau generated on machines without the shared one (slow to make, so kept across cache wipes of circuits). */
export const DEV_PTAU_DIR = path.join(REPO_ROOT, "cache", "ptau");

/** The shared development ptau, next to the repository (see ../shared/ptau/README.md). */
export const SHARED_PTAU_PATH = path.resolve(REPO_ROOT, "..", "shared", "ptau", "pot16_final.ptau");

/**
 * The build cache root: `cache/circuits`, or `ZKPOW_CACHE_DIR`. Read on every
 * call rather than once at import so that a test or a second build in the same
 * process can point it elsewhere.
 */
export function circuitsCacheRoot(): string {
  const fromEnv = process.env.ZKPOW_CACHE_DIR;
  return fromEnv !== undefined && fromEnv !== "" ? path.resolve(fromEnv) : path.join(REPO_ROOT, "cache", "circuits");
}

/** The cache folder of one circuit configuration. */
export function circuitCacheDir(name: string): string {
  return path.join(circuitsCacheRoot(), name);
}
