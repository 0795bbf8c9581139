import { readFile, rename, rm } from "node:fs/promises";
import path from "node:path";

import * as snarkjs from "snarkjs";

import type { CompiledCircuit } from "./compile.js";
import type { CircuitConfig } from "./configurations.js";
import { fileExists, readManifest, sha256File, sha256Hex, writeFileAtomic, writeManifest } from "./files.js";
import { SnarkjsErrorCollector, secondsSince, type Reporter } from "./log.js";
import { packageVersion } from "./packages.js";
import type { ResolvedPtau } from "./ptau.js";
import { circuitCacheDir } from "./paths.js";

/** Bump when the setup procedure changes in a way the key below does not see. */
const SETUP_PIPELINE_VERSION = 1;

/** The name recorded in the zkey for the phase-2 contribution. */
export const DEV_BEACON_NAME = "zkpow dev beacon";

/** 2^10 hash iterations: snarkjs's minimum. The beacon here is not meant to resist anything, only to be reproducible. */
export const DEV_BEACON_ITERATIONS_EXP = 10;

/**
 * The phase-2 beacon for the development key: derived from the circuit and
 * the ptau only, so every machine with the same ptau computes the same zkey
 * (and the same committed verifier). Anyone can recompute it, which is
 * exactly why the key is for development only.
 */
export function devBeaconHash(r1csSha256: string, ptauSha256: string): string {
  return sha256Hex(`zkpow-dev-beacon:${r1csSha256}:${ptauSha256}`);
}

export interface SetupResult {
  zkeyPath: string;
  /** The verification key as JSON (snarkjs zkey export verificationkey). */
  vkeyPath: string;
  verificationKey: snarkjs.VerificationKey;
  zkeySha256: string;
  /** True when the cache held this setup and nothing ran. */
  cached: boolean;
}

interface SetupManifest {
  key: string;
  zkeySha256: string;
  beaconHash: string;
}

/** Groth16 setup (newZKey, then the dev beacon), verified once; cached by the r1cs and ptau hashes. */
export async function setupCircuit(
  config: CircuitConfig,
  compiled: CompiledCircuit,
  ptau: ResolvedPtau,
  reporter: Reporter,
): Promise<SetupResult> {
  const dir = circuitCacheDir(config.name);
  const zkeyPath = path.join(dir, `${config.name}.zkey`);
  const vkeyPath = path.join(dir, "verification_key.json");
  const manifestPath = path.join(dir, "setup.json");
  const beaconHash = devBeaconHash(compiled.r1csSha256, ptau.sha256);
  const key = sha256Hex(
    [
      `pipeline ${SETUP_PIPELINE_VERSION}`,
      `snarkjs ${packageVersion("snarkjs")}`,
      `r1cs ${compiled.r1csSha256}`,
      `ptau ${ptau.sha256}`,
      `beacon ${DEV_BEACON_NAME} ${beaconHash} ${DEV_BEACON_ITERATIONS_EXP}`,
    ].join("\n"),
  );

  const manifest = await readManifest<SetupManifest>(manifestPath);
  if (manifest?.key === key && (await fileExists(zkeyPath)) && (await fileExists(vkeyPath))) {
    reporter.detail(`setup cached (zkey sha256 ${manifest.zkeySha256.slice(0, 16)}...)`);
    const verificationKey = JSON.parse(await readFile(vkeyPath, "utf8")) as snarkjs.VerificationKey;
    return { zkeyPath, vkeyPath, verificationKey, zkeySha256: manifest.zkeySha256, cached: true };
  }

  // As in compile: no manifest while the outputs are being replaced.
  await rm(manifestPath, { force: true });
  const initialZkey = path.join(dir, `${config.name}_0000.zkey.${process.pid}.tmp`);
  const stagedZkey = `${zkeyPath}.${process.pid}.tmp`;
  const logger = new SnarkjsErrorCollector(reporter);
  const started = performance.now();
  try {
    reporter.work(`Groth16 setup: newZKey with 2^${ptau.power} ptau (minutes)`);
    const circuitHash = await snarkjs.zKey.newZKey(compiled.r1csPath, ptau.path, initialZkey, logger);
    if (circuitHash === -1) throw new Error(logger.describe(`snarkjs zKey.newZKey failed for ${config.name}`));
    reporter.work(`newZKey done (${secondsSince(started)} s); dev beacon contribution`);

    // A beacon rather than zKey.contribute: contribute draws fresh randomness,
    // which would give every machine a different key and verifier.
    const contribution = await snarkjs.zKey.beacon(
      initialZkey,
      stagedZkey,
      DEV_BEACON_NAME,
      beaconHash,
      DEV_BEACON_ITERATIONS_EXP,
      logger,
    );
    if (contribution === false) throw new Error(logger.describe(`snarkjs zKey.beacon failed for ${config.name}`));
    reporter.work(`beacon done (${secondsSince(started)} s); verifying the zkey against r1cs and ptau`);

    // Once per new key: replays newZKey and the contribution, so it costs
    // about as much as the setup; a cached key was verified when it was made.
    if (!(await snarkjs.zKey.verifyFromR1cs(compiled.r1csPath, ptau.path, stagedZkey, logger))) {
      throw new Error(logger.describe(`the new zkey of ${config.name} does not verify`));
    }
    await rename(stagedZkey, zkeyPath);

    const verificationKey = await snarkjs.zKey.exportVerificationKey(zkeyPath);
    await writeFileAtomic(vkeyPath, JSON.stringify(verificationKey, null, 2) + "\n");
    const zkeySha256 = await sha256File(zkeyPath);
    await writeManifest(manifestPath, { key, zkeySha256, beaconHash } satisfies SetupManifest);
    reporter.work(`setup done in ${secondsSince(started)} s (zkey sha256 ${zkeySha256.slice(0, 16)}...)`);
    return { zkeyPath, vkeyPath, verificationKey, zkeySha256, cached: false };
  } finally {
    // The initial key only feeds the beacon; a staged key left by a failure is worthless.
    await rm(initialZkey, { force: true });
    await rm(stagedZkey, { force: true });
  }
}
