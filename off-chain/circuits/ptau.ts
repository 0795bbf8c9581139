import { randomBytes } from "node:crypto";
import { mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";

import * as snarkjs from "snarkjs";

import { readPtauHeader, type R1csHeader } from "./binfile.js";
import { fileExists, readManifest, sha256File, writeManifest } from "./files.js";
import { withLock } from "./lock.js";
import { SnarkjsErrorCollector, secondsSince, type Reporter } from "./log.js";
import { DEV_PTAU_DIR, SHARED_PTAU_PATH, circuitsCacheRoot } from "./paths.js";

/** Names the powers-of-tau file to use instead of the shared or a generated one. */
export const PTAU_ENV_VAR = "ZKPOW_PTAU";

export interface ResolvedPtau {
  path: string;
  /** Serves circuits whose Groth16 domain is at most 2^power. */
  power: number;
  sha256: string;
  source: "env" | "shared" | "dev-generated";
}

/**
 * The ptau power a circuit needs, by snarkjs's own rule (zKey.newZKey in
 * snarkjs 0.7.6): the domain is the smallest power of two strictly above
 * nConstraints + nPubInputs + nOutputs, i.e. floor(log2(that sum)) + 1.
 */
export function requiredPtauPower(r1cs: R1csHeader): number {
  const rows = r1cs.nConstraints + r1cs.nPubInputs + r1cs.nOutputs;
  return Math.floor(Math.log2(rows)) + 1;
}

export class PtauError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PtauError";
  }
}

/**
 * The ptau for a circuit: `ZKPOW_PTAU` if set, else the shared development
 * file next to the repository, else a dev ptau generated once into cache/ptau
 * (slow, insecure, loudly announced). Throws PtauError when the chosen file is
 * missing, too small for the circuit or not prepared for phase 2.
 */
export async function resolvePtau(r1cs: R1csHeader, reporter: Reporter): Promise<ResolvedPtau> {
  const required = requiredPtauPower(r1cs);
  const need =
    `the circuit needs 2^${required} (${r1cs.nConstraints} constraints + ` +
    `${r1cs.nPubInputs + r1cs.nOutputs} public signals, by snarkjs's rule)`;
  const fromEnv = process.env[PTAU_ENV_VAR];
  if (fromEnv !== undefined && fromEnv !== "") {
    const ptauPath = path.resolve(fromEnv);
    if (!(await fileExists(ptauPath))) {
      throw new PtauError(`${PTAU_ENV_VAR} is set to "${fromEnv}", but there is no file at ${ptauPath}`);
    }
    return check(ptauPath, "env", required, need, `point ${PTAU_ENV_VAR} at a ptau of 2^${required} or more`, reporter);
  }
  if (await fileExists(SHARED_PTAU_PATH)) {
    const remedy = `set ${PTAU_ENV_VAR} to a ptau of 2^${required} or more`;
    return check(SHARED_PTAU_PATH, "shared", required, need, remedy, reporter);
  }
  const devPath = (await findDevPtau(required)) ?? (await ensureDevPtau(required, reporter));
  return check(devPath, "dev-generated", required, need, "delete it to have it generated again", reporter);
}

async function check(
  ptauPath: string,
  source: ResolvedPtau["source"],
  requiredPower: number,
  need: string,
  remedy: string,
  reporter: Reporter,
): Promise<ResolvedPtau> {
  const header = await readPtauHeader(ptauPath);
  if (header.power < requiredPower) {
    throw new PtauError(`powers of tau ${ptauPath} (${source}) is 2^${header.power}, but ${need}; ${remedy}`);
  }
  if (!header.preparedForPhase2) {
    throw new PtauError(
      `powers of tau ${ptauPath} (${source}) is not prepared for phase 2 ` +
        `(run \`snarkjs powersoftau prepare phase2\` on it); ${remedy}`,
    );
  }
  const sha256 = await ptauSha256(ptauPath);
  reporter.detail(`ptau ${ptauPath} (${source}, 2^${header.power}, sha256 ${sha256.slice(0, 16)}...)`);
  return { path: ptauPath, power: header.power, sha256, source };
}

interface PtauHashCache {
  [ptauPath: string]: { size: number; mtimeMs: number; sha256: string };
}

/**
 * The ptau's sha256, remembered by path, size and mtime: it enters every
 * setup cache key, and hashing the 75 MB shared file on every run would make
 * a fully cached build slower for nothing.
 */
async function ptauSha256(ptauPath: string): Promise<string> {
  const cachePath = path.join(circuitsCacheRoot(), "ptau-sha256.json");
  const cache = (await readManifest<PtauHashCache>(cachePath)) ?? {};
  const { size, mtimeMs } = await stat(ptauPath);
  const known = cache[ptauPath];
  if (known?.size === size && known.mtimeMs === mtimeMs) return known.sha256;
  const sha256 = await sha256File(ptauPath);
  // Re-read before writing: another configuration may have added its entry meanwhile.
  const latest = (await readManifest<PtauHashCache>(cachePath)) ?? {};
  latest[ptauPath] = { size, mtimeMs, sha256 };
  await writeManifest(cachePath, latest);
  return sha256;
}

function devPtauPath(power: number): string {
  return path.join(DEV_PTAU_DIR, `pot${power}_dev.ptau`);
}

/** An already generated dev ptau of at least that power (the smallest such, since setup time grows with it). */
async function findDevPtau(requiredPower: number): Promise<string | undefined> {
  if (!(await fileExists(DEV_PTAU_DIR))) return undefined;
  const powers = (await readdir(DEV_PTAU_DIR))
    .map((file) => /^pot(\d+)_dev\.ptau$/.exec(file)?.[1])
    .filter((power): power is string => power !== undefined)
    .map(Number)
    .filter((power) => power >= requiredPower)
    .sort((a, b) => a - b);
  return powers[0] === undefined ? undefined : devPtauPath(powers[0]);
}

// One generation per power per process: two configurations needing the same
// missing ptau wait for the same one.
const generating = new Map<number, Promise<string>>();

/**
 * The dev ptau of exactly 2^power in cache/ptau, generated if missing (slow,
 * insecure, announced). Exported for resolvePtau and for trying the
 * generation at a small power.
 */
export function ensureDevPtau(power: number, reporter: Reporter): Promise<string> {
  let pending = generating.get(power);
  if (pending === undefined) {
    const finalPath = devPtauPath(power);
    // Another process may be generating the same file: wait for it, then use its result.
    pending = withLock(`${finalPath}.lock`, `generating ${finalPath}`, reporter, async () =>
      (await fileExists(finalPath)) ? finalPath : runDevCeremony(power, reporter),
    ).finally(() => generating.delete(power));
    generating.set(power, pending);
  }
  return pending;
}

async function runDevCeremony(power: number, reporter: Reporter): Promise<string> {
  const finalPath = devPtauPath(power);
  const warning = [
    "",
    "!!! ==================================================================== !!!",
    `!!! No powers of tau found: neither ${PTAU_ENV_VAR} nor ${SHARED_PTAU_PATH}.`,
    `!!! Generating a DEV ptau of 2^${power} into ${finalPath}.`,
    "!!! This is SLOW: about 45 minutes for 2^16 on 2 cores (about 8 for 2^14).",
    "!!! It is INSECURE: one local contribution, so its toxic waste is knowable.",
    "!!! For development and tests only; never for a deployment that holds value.",
    "!!! ==================================================================== !!!",
    "",
  ].join("\n");
  console.warn(warning);
  reporter.work(`generating dev ptau 2^${power} (slow, insecure)`);

  await mkdir(DEV_PTAU_DIR, { recursive: true });
  const stage0 = path.join(DEV_PTAU_DIR, `pot${power}_dev_0000.ptau.${process.pid}.tmp`);
  const stage1 = path.join(DEV_PTAU_DIR, `pot${power}_dev_0001.ptau.${process.pid}.tmp`);
  const staged = `${finalPath}.${process.pid}.tmp`;
  const logger = new SnarkjsErrorCollector(reporter);
  const started = performance.now();
  try {
    const curve = await snarkjs.curves.getCurveFromName("bn128");
    await snarkjs.powersOfTau.newAccumulator(curve, power, stage0, logger);
    reporter.work(`dev ptau: accumulator created (${secondsSince(started)} s); contributing`);
    // Fresh randomness is what a contribution is; the entropy string only adds to it.
    await snarkjs.powersOfTau.contribute(stage0, stage1, "zkpow dev", randomBytes(32).toString("hex"), logger);
    reporter.work(`dev ptau: contributed (${secondsSince(started)} s); preparing phase 2 (the slow step)`);
    await snarkjs.powersOfTau.preparePhase2(stage1, staged, logger);
    const header = await readPtauHeader(staged);
    if (header.power !== power || !header.preparedForPhase2) {
      throw new PtauError(logger.describe(`dev ptau generation produced an unusable file ${staged}`));
    }
    await rename(staged, finalPath);
    reporter.work(`dev ptau 2^${power} ready in ${secondsSince(started)} s: ${finalPath}`);
    return finalPath;
  } finally {
    // Intermediate files are useless after success and after failure alike.
    await rm(stage0, { force: true });
    await rm(stage1, { force: true });
    await rm(staged, { force: true });
  }
}
