import path from "node:path";

import * as snarkjs from "snarkjs";

import type { ExportContext, GeneratedFile } from "../export.js";
import { EXPORTERS } from "../exporters.js";
import { sequenceVerifierName } from "../export-sequence-verifier.js";
import { sha256Hex, writeFileIfChanged, writeManifest } from "../files.js";
import { VERIFIERS_DIR, REPO_ROOT } from "../paths.js";
import { ceremonyCircuit, verifyCeremony, type CeremonyTarget } from "./ceremony.js";
import { CeremonyError, latestEntry, type Transcript } from "./transcript.js";

/** Where `export` writes the production verifiers by default (compiled with the rest of contracts/). */
export const PRODUCTION_VERIFIERS_DIR = path.join(VERIFIERS_DIR, "production");

/** The suffix that tells a ceremony's verifier from the development one of the same circuit. */
export const PRODUCTION_SUFFIX = "Production";

/** The record of an exported ceremony: what a deployer checks a verifier against. */
export interface CeremonyRecord {
  circuit: string;
  /** The contracts generated (snarkjs's verifier, the sequence verifier the rollup uses). */
  verifiers: { batch: string; sequence: string };
  finalZkey: string;
  finalZkeySha256: string;
  /** sha256 of the published transcript.json, byte for byte. */
  transcriptSha256: string;
  r1csSha256: string;
  ptauSha256: string;
  contributions: { name: string; contributionHash: string }[];
  beacon: { value: string; iterationsExp: number; source: string; contributionHash: string };
  /** sha256 of the verification key JSON written next to the verifiers. */
  verificationKeySha256: string;
  /** Whether export ran snarkjs's zkey verify itself (false: it trusted an earlier `verify`). */
  verifiedAtExport: boolean;
}

export interface ExportResult {
  record: CeremonyRecord;
  /** Every file written or found up to date, in outDir (the record in the ceremony directory too). */
  files: string[];
  outDir: string;
}

/**
 * contracts/libraries/ as seen from outDir, as a Solidity import prefix:
 * "../../libraries/" from contracts/verifiers/production/.
 */
function librariesImport(outDir: string): string {
  const relative = path
    .relative(outDir, path.join(REPO_ROOT, "contracts", "libraries"))
    .split(path.sep)
    .join("/");
  return `${relative.startsWith(".") ? relative : `./${relative}`}/`;
}

/** The provenance comment's phase-2 lines (names and source were checked to be one printable line each). */
function phase2Lines(transcript: Transcript, transcriptSha256: string): string[] {
  const contributions = transcript.entries.filter((entry) => entry.kind === "contribution");
  const last = latestEntry(transcript);
  if (last.kind !== "beacon") throw new CeremonyError("the ceremony has no final beacon");
  return [
    `Phase 2: trusted-setup ceremony of ${contributions.length} contributions (${contributions.map((c) => JSON.stringify(c.name)).join(", ")}),`,
    `then a beacon from ${JSON.stringify(last.beacon.source)}: value ${last.beacon.value}, 2^${last.beacon.iterationsExp} iterations.`,
    `Transcript sha256: ${transcriptSha256} (snarkjs ${transcript.snarkjs}).`,
  ];
}

/**
 * Exports a finished ceremony: verifies it (unless skipVerify: then the
 * transcript and zkey chain only), then writes the verifier contracts and the
 * verification key of the final zkey with the same exporters as the
 * development build, named <Name>Production, into outDir
 * (contracts/verifiers/production/ by default), and the record of the
 * ceremony next to them and as ceremony.json in the ceremony directory.
 */
export async function exportCeremony(
  options: CeremonyTarget & { outDir?: string; ptau?: string; skipVerify?: boolean },
): Promise<ExportResult> {
  const verified = await verifyCeremony({ ...options, transcriptOnly: options.skipVerify === true });
  const { transcript, transcriptSha256, compiled, dir } = verified;
  const last = latestEntry(transcript);
  if (!verified.finished || last.kind !== "beacon") {
    throw new CeremonyError(
      `the ceremony in ${dir} has no final beacon yet (its last entry is #${last.index}, a ${last.kind}): run \`circuits:ceremony beacon\` before export`,
    );
  }
  const outDir = path.resolve(options.outDir ?? PRODUCTION_VERIFIERS_DIR);
  const config = ceremonyCircuit(transcript.circuit.name);

  const verificationKey = await snarkjs.zKey.exportVerificationKey(verified.zkeyPath);
  const verifierName = `${config.verifierName}${PRODUCTION_SUFFIX}`;
  const context: ExportContext = {
    config: { ...config, verifierName },
    compiled: { r1cs: compiled.r1cs, r1csSha256: compiled.r1csSha256 },
    setup: { zkeyPath: verified.zkeyPath, verificationKey, zkeySha256: verified.zkeySha256 },
    ptau: { sha256: transcript.ptau.sha256 },
    origin: {
      command: "`npx hardhat circuits:ceremony export` (off-chain/circuits/ceremony/export.ts)",
      phase2: phase2Lines(transcript, transcriptSha256),
    },
    librariesImport: librariesImport(outDir),
  };
  const generated: GeneratedFile[] = [];
  for (const exporter of EXPORTERS) generated.push(...(await exporter.generate(context)));
  const files: string[] = [];
  for (const file of generated) {
    const target = path.join(outDir, file.fileName);
    await writeFileIfChanged(target, file.content);
    files.push(target);
  }

  const vkeyFile = generated.find((file) => file.fileName.endsWith(".vkey.json"));
  if (vkeyFile === undefined) throw new CeremonyError("the exporters wrote no verification key");
  const record: CeremonyRecord = {
    circuit: config.name,
    verifiers: { batch: verifierName, sequence: sequenceVerifierName(verifierName) },
    finalZkey: last.zkey,
    finalZkeySha256: last.zkeySha256,
    transcriptSha256,
    r1csSha256: transcript.circuit.r1csSha256,
    ptauSha256: transcript.ptau.sha256,
    contributions: transcript.entries.flatMap((entry) =>
      entry.kind === "contribution" ? [{ name: entry.name, contributionHash: entry.contributionHash }] : [],
    ),
    beacon: { ...last.beacon, contributionHash: last.contributionHash },
    verificationKeySha256: sha256Hex(vkeyFile.content),
    verifiedAtExport: verified.fullyVerified,
  };
  const recordPath = path.join(outDir, `${verifierName}.ceremony.json`);
  await writeManifest(recordPath, record);
  await writeManifest(path.join(dir, "ceremony.json"), record);
  files.push(recordPath);
  return { record, files, outDir };
}
