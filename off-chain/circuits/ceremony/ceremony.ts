import { randomBytes } from "node:crypto";
import { mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";

import * as snarkjs from "snarkjs";

import { readPtauHeader, type R1csHeader } from "../binfile.js";
import { ensureCompiled } from "../build.js";
import type { CompiledCircuit } from "../compile.js";
import { CIRCUIT_CONFIGS, PRODUCTION_CONFIGS, type CircuitConfig } from "../configurations.js";
import { fileExists, sha256File } from "../files.js";
import { makeReporter, secondsSince, SnarkjsErrorCollector, type LogFn, type Reporter } from "../log.js";
import { packageVersion } from "../packages.js";
import { REPO_ROOT, SHARED_PTAU_PATH } from "../paths.js";
import { PTAU_ENV_VAR, requiredPtauPower } from "../ptau.js";
import { assertZkeyFitsCircuit, ZkeyError } from "../verifier-check.js";
import { checkTranscriptChain } from "./chain.js";
import {
  CeremonyError,
  latestEntry,
  readTranscript,
  TRANSCRIPT_FORMAT,
  transcriptPath,
  writeTranscript,
  zkeyFileName,
  type ContributionEntry,
  type Transcript,
} from "./transcript.js";

/** Which ceremony: a circuit configuration and the directory its files live in. */
export interface CeremonyTarget {
  /** The circuit configuration (e.g. "b2d4"). */
  circuit: string;
  /** The ceremony directory: ceremonies/<circuit>/ by default. */
  dir?: string;
  /** Progress lines; stderr when absent. */
  log?: LogFn;
}

/** snarkjs keeps at most 64 characters of a contribution's name in the zkey. */
const MAX_NAME_LENGTH = 64;

/** snarkjs's bounds for a beacon's hash iterations (2^n). */
export const BEACON_ITERATIONS_EXP = { min: 10, max: 63 } as const;

/** A beacon follows at least this many contributions: with fewer, one person may hold the whole toxic waste. */
export const MIN_CONTRIBUTIONS_BEFORE_BEACON = 2;

/**
 * The configuration a ceremony may be run for: a development one, or a
 * production one (PRODUCTION_CONFIGS: the ceremony compiles it, and it
 * needs a ptau of its size).
 */
export function ceremonyCircuit(name: string): CircuitConfig {
  const found = [...CIRCUIT_CONFIGS, ...PRODUCTION_CONFIGS].find((config) => config.name === name);
  if (found === undefined) {
    throw new CeremonyError(
      `unknown circuit configuration "${name}": a ceremony is for one of ${CIRCUIT_CONFIGS.map((c) => c.name).join(", ")} (development) or ${PRODUCTION_CONFIGS.map((c) => c.name).join(", ")} (production)`,
    );
  }
  return found;
}

export function defaultCeremonyDir(circuit: string): string {
  return path.join(REPO_ROOT, "ceremonies", circuit);
}

interface Opened {
  config: CircuitConfig;
  dir: string;
  reporter: Reporter;
  transcript: Transcript;
  transcriptSha256: string;
}

function resolveTarget(target: CeremonyTarget): { config: CircuitConfig; dir: string; reporter: Reporter } {
  const config = ceremonyCircuit(target.circuit);
  const dir = path.resolve(target.dir ?? defaultCeremonyDir(config.name));
  return { config, dir, reporter: makeReporter(`ceremony ${config.name}`, target.log) };
}

/** Reads the ceremony's transcript and checks it is of this circuit. */
async function openCeremony(target: CeremonyTarget): Promise<Opened> {
  const { config, dir, reporter } = resolveTarget(target);
  const { transcript, sha256 } = await readTranscript(dir);
  const recorded = transcript.circuit;
  if (
    recorded.name !== config.name ||
    recorded.batchSize !== config.batchSize ||
    recorded.treeDepth !== config.treeDepth
  ) {
    throw new CeremonyError(
      `the ceremony in ${dir} is for circuit ${recorded.name} (Batch(${recorded.batchSize}, ${recorded.treeDepth})), not ${config.name}: give --circuit ${recorded.name}, or another --dir`,
    );
  }
  return { config, dir, reporter, transcript, transcriptSha256: sha256 };
}

/** Names and sources go into zkeys, transcripts and generated Solidity comments: one printable line each. */
function checkText(what: string, value: string, maxLength?: number): string {
  const trimmed = value.trim();
  if (trimmed === "") throw new CeremonyError(`${what} is empty`);
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
  if (/[\u0000-\u001f\u007f\u2028\u2029]/.test(trimmed)) {
    throw new CeremonyError(
      `${what} ${JSON.stringify(value)} holds a control character or line break: one printable line`,
    );
  }
  if (maxLength !== undefined && trimmed.length > maxLength) {
    throw new CeremonyError(`${what} is ${trimmed.length} characters; snarkjs keeps at most ${maxLength}`);
  }
  return trimmed;
}

/** The ptau to start from: the one given, else ZKPOW_PTAU, else the shared development file. */
function choosePtau(given: string | undefined, reporter: Reporter): string {
  if (given !== undefined && given !== "") return path.resolve(given);
  const fromEnv = process.env[PTAU_ENV_VAR];
  if (fromEnv !== undefined && fromEnv !== "") return path.resolve(fromEnv);
  reporter.work(
    `no --ptau given: using the shared DEVELOPMENT ptau ${SHARED_PTAU_PATH} (one local contribution: never for a deployment that holds value; see docs/ceremony.md)`,
  );
  return SHARED_PTAU_PATH;
}

/** Checks the ptau fits the circuit and is prepared for phase 2; returns its power and sha256. */
async function checkPtau(
  ptauPath: string,
  r1cs: R1csHeader,
  circuit: string,
): Promise<{ power: number; sha256: string }> {
  if (!(await fileExists(ptauPath))) throw new CeremonyError(`powers of tau ${ptauPath} does not exist`);
  let header;
  try {
    header = await readPtauHeader(ptauPath);
  } catch (error) {
    throw new CeremonyError(
      `${ptauPath}: not a usable powers of tau (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  const required = requiredPtauPower(r1cs);
  if (header.power < required) {
    throw new CeremonyError(
      `powers of tau ${ptauPath} is 2^${header.power}; circuit ${circuit} needs 2^${required} (${r1cs.nConstraints} constraints + ${r1cs.nPubInputs + r1cs.nOutputs} public signals, by snarkjs's rule)`,
    );
  }
  if (!header.preparedForPhase2) {
    throw new CeremonyError(
      `powers of tau ${ptauPath} is not prepared for phase 2 (run \`snarkjs powersoftau prepare phase2\`)`,
    );
  }
  return { power: header.power, sha256: await sha256File(ptauPath) };
}

/** Moves a zkey snarkjs wrote under a temporary name to its step's name; returns the name and sha256. */
async function installZkey(
  staged: string,
  dir: string,
  circuit: string,
  index: number,
): Promise<{ zkey: string; sha256: string }> {
  const zkey = zkeyFileName(circuit, index);
  await rename(staged, path.join(dir, zkey));
  return { zkey, sha256: await sha256File(path.join(dir, zkey)) };
}

function stagedPath(dir: string, circuit: string, index: number): string {
  return path.join(dir, `${zkeyFileName(circuit, index)}.${process.pid}.tmp`);
}

export interface InitResult {
  dir: string;
  transcript: Transcript;
}

/**
 * Starts a ceremony: the circuit's r1cs and a ptau give contribution 0000
 * (snarkjs zkey new); the transcript records the r1cs's and the ptau's sha256
 * and the circuit hash. Refuses a directory that already holds a ceremony and
 * a ptau too small for the circuit.
 */
export async function initCeremony(options: CeremonyTarget & { ptau?: string }): Promise<InitResult> {
  const { config, dir, reporter } = resolveTarget(options);
  if (await fileExists(transcriptPath(dir))) {
    throw new CeremonyError(
      `${dir} already holds a ceremony (${transcriptPath(dir)}): a ceremony starts once; choose another --dir, or remove that one to start over`,
    );
  }
  const compiled = await ensureCompiled(config, options.log === undefined ? {} : { log: options.log });
  const ptauPath = choosePtau(options.ptau, reporter);
  const ptau = await checkPtau(ptauPath, compiled.r1cs, config.name);
  await mkdir(dir, { recursive: true });

  const staged = stagedPath(dir, config.name, 0);
  const logger = new SnarkjsErrorCollector(reporter);
  const started = performance.now();
  reporter.work(`zkey new from ${compiled.r1csPath} and ${ptauPath} (2^${ptau.power}): minutes for a large circuit`);
  try {
    const circuitHash = await snarkjs.zKey.newZKey(compiled.r1csPath, ptauPath, staged, logger);
    if (circuitHash === -1) throw new CeremonyError(logger.describe(`snarkjs zkey new failed for ${config.name}`));
    const { zkey, sha256 } = await installZkey(staged, dir, config.name, 0);
    const transcript: Transcript = {
      format: TRANSCRIPT_FORMAT,
      circuit: {
        name: config.name,
        batchSize: config.batchSize,
        treeDepth: config.treeDepth,
        constraints: compiled.r1cs.nConstraints,
        r1csSha256: compiled.r1csSha256,
      },
      ptau: { file: ptauPath, power: ptau.power, sha256: ptau.sha256 },
      snarkjs: packageVersion("snarkjs"),
      circuitHash: Buffer.from(circuitHash).toString("hex"),
      entries: [{ index: 0, kind: "init", zkey, zkeySha256: sha256, time: new Date().toISOString() }],
    };
    await writeTranscript(dir, transcript);
    reporter.work(`initialised in ${secondsSince(started)} s: ${path.join(dir, zkey)}, ${transcriptPath(dir)}`);
    return { dir, transcript };
  } finally {
    await rm(staged, { force: true });
  }
}

export interface StepResult {
  dir: string;
  entry: ContributionEntry;
  /** The zkey written. */
  zkeyPath: string;
  transcript: Transcript;
  transcriptSha256: string;
}

/** The latest zkey, checked against the transcript, ready for the next step (a contribution or the beacon). */
async function prepareStep(opened: Opened, step: string): Promise<{ previous: string; index: number }> {
  const last = latestEntry(opened.transcript);
  if (last.kind === "beacon") {
    throw new CeremonyError(
      `the ceremony in ${opened.dir} is finished: entry #${last.index} is its final beacon, and nothing can follow it (${step} refused)`,
    );
  }
  await checkTranscriptChain(opened.dir, opened.transcript, { latestOnly: true });
  return { previous: path.join(opened.dir, last.zkey), index: last.index + 1 };
}

async function recordStep(opened: Opened, entry: ContributionEntry): Promise<StepResult> {
  const transcript = { ...opened.transcript, entries: [...opened.transcript.entries, entry] };
  const transcriptSha256 = await writeTranscript(opened.dir, transcript);
  return { dir: opened.dir, entry, zkeyPath: path.join(opened.dir, entry.zkey), transcript, transcriptSha256 };
}

/**
 * Adds a contribution: the latest zkey (checked against the transcript)
 * gives the next one, with randomness from the operating system (snarkjs
 * mixes in its own too); the randomness is never written or logged, and is
 * gone when the process ends. Appends the entry (name, snarkjs's
 * contribution hash, the new zkey's sha256, time) to the transcript.
 */
export async function contributeToCeremony(options: CeremonyTarget & { name: string }): Promise<StepResult> {
  const opened = await openCeremony(options);
  const name = checkText("the contributor name (--name)", options.name, MAX_NAME_LENGTH);
  const { previous, index } = await prepareStep(opened, "a contribution");
  const { config, dir, reporter } = opened;
  const staged = stagedPath(dir, config.name, index);
  const logger = new SnarkjsErrorCollector(reporter);
  const started = performance.now();
  reporter.work(`contribution #${index} by ${JSON.stringify(name)} on ${previous}`);
  try {
    const hash = await snarkjs.zKey.contribute(previous, staged, name, randomBytes(64).toString("hex"), logger);
    const { zkey, sha256 } = await installZkey(staged, dir, config.name, index);
    const entry: ContributionEntry = {
      index,
      kind: "contribution",
      name,
      contributionHash: Buffer.from(hash).toString("hex"),
      zkey,
      zkeySha256: sha256,
      time: new Date().toISOString(),
    };
    const result = await recordStep(opened, entry);
    reporter.work(`contributed in ${secondsSince(started)} s: ${result.zkeyPath}`);
    return result;
  } finally {
    await rm(staged, { force: true });
  }
}

/** A beacon's public value as snarkjs takes it: hex digits (0x optional), whole bytes, at most 255 of them. */
export function parseBeaconValue(value: string): string {
  const digits = value.trim().replace(/^0x/i, "");
  if (!/^([0-9a-fA-F]{2})+$/.test(digits)) {
    throw new CeremonyError(
      `the beacon value (--value) ${JSON.stringify(value)} is not hex: give the public value as hex digits, an even number of them (0x optional), e.g. a block hash`,
    );
  }
  if (digits.length / 2 > 255)
    throw new CeremonyError(`the beacon value is ${digits.length / 2} bytes; snarkjs takes at most 255`);
  return digits.toLowerCase();
}

/**
 * The final contribution, from a public value nobody knew when the last
 * contribution was made (announced beforehand: which block's hash, say) and
 * 2^iterationsExp hash iterations: anyone can recompute it, and nobody could
 * choose it. Refuses fewer than two earlier contributions unless allowFew.
 */
export async function beaconCeremony(
  options: CeremonyTarget & { value: string; iterationsExp: number; source: string; allowFew?: boolean; name?: string },
): Promise<StepResult> {
  const opened = await openCeremony(options);
  const value = parseBeaconValue(options.value);
  const { min, max } = BEACON_ITERATIONS_EXP;
  if (!Number.isInteger(options.iterationsExp) || options.iterationsExp < min || options.iterationsExp > max) {
    throw new CeremonyError(
      `--iterations-exp must be a whole number from ${min} to ${max} (2^n hash iterations); got ${options.iterationsExp}`,
    );
  }
  const source = checkText("the beacon's source (--source: what the public value is)", options.source);
  const name = checkText("the beacon's name", options.name ?? "final beacon", MAX_NAME_LENGTH);
  const contributions = opened.transcript.entries.filter((entry) => entry.kind === "contribution").length;
  if (contributions < MIN_CONTRIBUTIONS_BEFORE_BEACON && options.allowFew !== true) {
    throw new CeremonyError(
      `the ceremony in ${opened.dir} has ${contributions} contribution(s); the beacon comes after at least ${MIN_CONTRIBUTIONS_BEFORE_BEACON} (the key is safe if one contributor destroyed their randomness: with one, that is a single person). --allow-few overrides this, for tests`,
    );
  }
  const { previous, index } = await prepareStep(opened, "the beacon");
  const { config, dir, reporter } = opened;
  const staged = stagedPath(dir, config.name, index);
  const logger = new SnarkjsErrorCollector(reporter);
  const started = performance.now();
  reporter.work(`beacon from ${source}: value ${value}, 2^${options.iterationsExp} iterations`);
  try {
    const hash = await snarkjs.zKey.beacon(previous, staged, name, value, options.iterationsExp, logger);
    if (hash === false) throw new CeremonyError(logger.describe(`snarkjs zkey beacon failed on ${previous}`));
    const { zkey, sha256 } = await installZkey(staged, dir, config.name, index);
    const entry: ContributionEntry = {
      index,
      kind: "beacon",
      name,
      contributionHash: Buffer.from(hash).toString("hex"),
      zkey,
      zkeySha256: sha256,
      time: new Date().toISOString(),
      beacon: { value, iterationsExp: options.iterationsExp, source },
    };
    const result = await recordStep(opened, entry);
    reporter.work(`beacon applied in ${secondsSince(started)} s: ${result.zkeyPath} is the final zkey`);
    return result;
  } finally {
    await rm(staged, { force: true });
  }
}

export interface VerifyResult {
  dir: string;
  transcript: Transcript;
  transcriptSha256: string;
  /** The latest zkey (the final one once the beacon is in). */
  zkeyPath: string;
  zkeySha256: string;
  /** Whether the ceremony ended with its beacon. */
  finished: boolean;
  /** Whether snarkjs's zkey verify ran (false: the transcript and zkey chain only). */
  fullyVerified: boolean;
  compiled: CompiledCircuit;
}

/**
 * Verifies the ceremony: the transcript against every zkey (checkTranscriptChain),
 * the circuit's current r1cs and the ptau against the hashes recorded at init,
 * then snarkjs's zkey verify of the latest zkey against the r1cs and the ptau
 * (it replays the init and checks every contribution: about as long as the
 * init). With `transcriptOnly`, skips the ptau and snarkjs's verify.
 */
export async function verifyCeremony(
  options: CeremonyTarget & { ptau?: string; transcriptOnly?: boolean },
): Promise<VerifyResult> {
  const opened = await openCeremony(options);
  const { config, dir, reporter, transcript } = opened;
  await checkTranscriptChain(dir, transcript, { latestOnly: false });
  const last = latestEntry(transcript);
  const zkeyPath = path.join(dir, last.zkey);
  reporter.work(`transcript matches the ${transcript.entries.length} zkeys (hashes, order, count)`);

  const compiled = await ensureCompiled(config, options.log === undefined ? {} : { log: options.log });
  if (compiled.r1csSha256 !== transcript.circuit.r1csSha256) {
    throw new CeremonyError(
      `circuit ${config.name}'s r1cs now has sha256 ${compiled.r1csSha256}; the ceremony in ${dir} started from ${transcript.circuit.r1csSha256}: the circuit sources or compiler changed since the init, and its zkeys are for the old circuit`,
    );
  }
  try {
    await assertZkeyFitsCircuit(zkeyPath, compiled.r1cs, config.name);
  } catch (error) {
    if (error instanceof ZkeyError) throw new CeremonyError(error.message);
    throw error;
  }
  const base = { dir, transcript, transcriptSha256: opened.transcriptSha256, zkeyPath, zkeySha256: last.zkeySha256 };
  const finished = last.kind === "beacon";
  if (options.transcriptOnly === true) return { ...base, finished, fullyVerified: false, compiled };

  const ptauPath = path.resolve(
    options.ptau !== undefined && options.ptau !== "" ? options.ptau : transcript.ptau.file,
  );
  if (!(await fileExists(ptauPath))) {
    throw new CeremonyError(
      `the ptau ${ptauPath} is not there: give --ptau <the file with sha256 ${transcript.ptau.sha256}>`,
    );
  }
  const ptauSha256 = await sha256File(ptauPath);
  if (ptauSha256 !== transcript.ptau.sha256) {
    throw new CeremonyError(
      `ptau ${ptauPath} has sha256 ${ptauSha256}; the ceremony started from ${transcript.ptau.sha256}`,
    );
  }
  const logger = new SnarkjsErrorCollector(reporter);
  const started = performance.now();
  reporter.work(
    `snarkjs zkey verify of ${zkeyPath} against ${compiled.r1csPath} and ${ptauPath} (as long as the init)`,
  );
  if (!(await snarkjs.zKey.verifyFromR1cs(compiled.r1csPath, ptauPath, zkeyPath, logger))) {
    throw new CeremonyError(
      logger.describe(
        `${zkeyPath} does not verify against circuit ${config.name}'s r1cs and the ptau (snarkjs zkey verify)`,
      ),
    );
  }
  reporter.work(`zkey verify passed in ${secondsSince(started)} s`);
  return { ...base, finished, fullyVerified: true, compiled };
}
