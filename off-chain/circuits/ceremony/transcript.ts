import { readFile } from "node:fs/promises";
import path from "node:path";

import { z } from "zod";

import { sha256Hex, writeFileAtomic } from "../files.js";

/** The transcript's format tag: a reader refuses any other. */
export const TRANSCRIPT_FORMAT = "zkpow-phase2-transcript/1";

/** The file a ceremony publishes, in its directory. */
export const TRANSCRIPT_FILE = "transcript.json";

/** A bad ceremony input, an unfinished or inconsistent ceremony: the message says what and where. */
export class CeremonyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CeremonyError";
  }
}

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, "not a sha256 (64 lowercase hex digits)");
const blake2b = z.string().regex(/^[0-9a-f]{128}$/, "not a contribution hash (128 lowercase hex digits)");
const zkeyFile = z.string().regex(/^[\w.-]+\.zkey$/, "not a zkey file name in the ceremony directory");

// Fields in the order a reader wants them (zod writes a parsed object's keys in the schema's order).
const index = z.number().int().min(0);
const written = {
  /** The zkey this step wrote, in the ceremony directory. */
  zkey: zkeyFile,
  zkeySha256: sha256,
  time: z.iso.datetime(),
};

const initEntry = z.object({ index, kind: z.literal("init"), ...written }).strict();

const contributionEntry = z
  .object({
    index,
    kind: z.literal("contribution"),
    name: z.string().min(1),
    /** snarkjs's contribution hash, hex (it prints it as 16 groups of 8 hex digits). */
    contributionHash: blake2b,
    ...written,
  })
  .strict();

const beaconEntry = z
  .object({
    index,
    kind: z.literal("beacon"),
    name: z.string().min(1),
    contributionHash: blake2b,
    ...written,
    beacon: z
      .object({
        /** The public value, hex, as given to snarkjs. */
        value: z.string().regex(/^([0-9a-f]{2})+$/, "not hex"),
        iterationsExp: z.number().int().min(10).max(63),
        /** What the value is, announced before it existed (e.g. "Ethereum block 21000000's hash"). */
        source: z.string().min(1),
      })
      .strict(),
  })
  .strict();

const transcriptSchema = z
  .object({
    format: z.literal(TRANSCRIPT_FORMAT),
    circuit: z
      .object({
        name: z.string().min(1),
        batchSize: z.number().int().positive(),
        treeDepth: z.number().int().positive(),
        constraints: z.number().int().positive(),
        r1csSha256: sha256,
      })
      .strict(),
    ptau: z
      .object({
        /** Where the ptau was at init (a hint: verify takes --ptau and checks the hash). */
        file: z.string().min(1),
        power: z.number().int().positive(),
        sha256,
      })
      .strict(),
    snarkjs: z.string().min(1),
    /** The circuit hash snarkjs printed at init: every zkey of the ceremony carries it. */
    circuitHash: blake2b,
    entries: z.array(z.discriminatedUnion("kind", [initEntry, contributionEntry, beaconEntry])).min(1),
  })
  .strict();

export type Transcript = z.infer<typeof transcriptSchema>;
export type TranscriptEntry = Transcript["entries"][number];
export type ContributionEntry = z.infer<typeof contributionEntry> | z.infer<typeof beaconEntry>;

export function transcriptPath(dir: string): string {
  return path.join(dir, TRANSCRIPT_FILE);
}

/** The transcript of the ceremony in `dir`, checked against the schema (not yet against the zkeys: see verify). */
export async function readTranscript(dir: string): Promise<{ transcript: Transcript; sha256: string }> {
  const file = transcriptPath(dir);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new CeremonyError(`no ceremony in ${dir}: ${file} does not exist (run \`circuits:ceremony init\` first)`);
    }
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CeremonyError(`${file}: not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const parsed = transcriptSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(top)"}: ${issue.message}`);
    throw new CeremonyError(`${file}: not a ceremony transcript: ${problems.join("; ")}`);
  }
  return { transcript: parsed.data, sha256: sha256Hex(text) };
}

/** Writes the transcript (two-space JSON: people read it) and returns its sha256. */
export async function writeTranscript(dir: string, transcript: Transcript): Promise<string> {
  const text = JSON.stringify(transcript, null, 2) + "\n";
  await writeFileAtomic(transcriptPath(dir), text);
  return sha256Hex(text);
}

/** The last entry: the zkey the next step starts from. */
export function latestEntry(transcript: Transcript): TranscriptEntry {
  const last = transcript.entries.at(-1);
  if (last === undefined) throw new CeremonyError("the transcript has no entries");
  return last;
}

/** The zkey file name of step `index` (0 is init). */
export function zkeyFileName(circuit: string, index: number): string {
  return `${circuit}_${String(index).padStart(4, "0")}.zkey`;
}
