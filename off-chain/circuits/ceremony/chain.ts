import path from "node:path";

import { fileExists, sha256File } from "../files.js";
import { readPhase2Params, type Phase2Params } from "./phase2-params.js";
import { CeremonyError, zkeyFileName, type Transcript, type TranscriptEntry } from "./transcript.js";

/**
 * Checks the transcript against the zkeys of the ceremony directory: the
 * entries are numbered 0, 1, 2... in order, start with the init and end at
 * most with one beacon; each entry's zkey is there with the recorded sha256;
 * and each zkey's own phase-2 record (which snarkjs writes into it and `zkey
 * verify` replays) holds exactly the contributions the transcript lists
 * before it, with the same hashes, names and beacon. With `latestOnly`, only
 * the latest zkey is read (a contributor's directory holds just that one).
 * Returns the latest zkey's phase-2 record. Reads the zkeys' small phase-2
 * section only: seconds, unlike snarkjs's verify.
 */
export async function checkTranscriptChain(
  dir: string,
  transcript: Transcript,
  options: { latestOnly: boolean },
): Promise<Phase2Params> {
  const { entries } = transcript;
  const circuit = transcript.circuit.name;
  entries.forEach((entry, position) => {
    const at = `transcript entry #${position}`;
    if (entry.index !== position) {
      throw new CeremonyError(`${at} has index ${entry.index}: entries must be numbered 0, 1, 2... in order`);
    }
    if ((position === 0) !== (entry.kind === "init")) {
      throw new CeremonyError(`${at} is a ${entry.kind}: the init comes first and only first`);
    }
    if (entry.kind === "beacon" && position !== entries.length - 1) {
      throw new CeremonyError(
        `${at} is a beacon but ${entries.length - 1 - position} entries follow it: the beacon is last`,
      );
    }
    if (entry.zkey !== zkeyFileName(circuit, position)) {
      throw new CeremonyError(
        `${at} names zkey ${entry.zkey}; step ${position} of ${circuit} writes ${zkeyFileName(circuit, position)}`,
      );
    }
  });

  const checked = options.latestOnly ? entries.slice(-1) : entries;
  let latest: Phase2Params | undefined;
  for (const entry of checked) latest = await checkEntry(dir, transcript, entry);
  if (latest === undefined) throw new CeremonyError("the transcript has no entries");
  return latest;
}

async function checkEntry(dir: string, transcript: Transcript, entry: TranscriptEntry): Promise<Phase2Params> {
  const file = path.join(dir, entry.zkey);
  const at = `transcript entry #${entry.index}`;
  if (!(await fileExists(file))) throw new CeremonyError(`${file} (${at}) is missing from the ceremony directory`);
  const sha256 = await sha256File(file);
  if (sha256 !== entry.zkeySha256) {
    throw new CeremonyError(
      `${file} has sha256 ${sha256}, but ${at} records ${entry.zkeySha256}: the zkey was changed or swapped, or the transcript edited`,
    );
  }
  let params: Phase2Params;
  try {
    params = await readPhase2Params(file);
  } catch (error) {
    throw new CeremonyError(
      `${file}: cannot read its phase-2 record (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  if (params.circuitHash !== transcript.circuitHash) {
    throw new CeremonyError(
      `${file} starts from circuit hash ${params.circuitHash.slice(0, 16)}...; the transcript's init has ${transcript.circuitHash.slice(0, 16)}...: it is not a zkey of this ceremony`,
    );
  }
  const recorded = transcript.entries.slice(1, entry.index + 1);
  if (params.contributions.length !== recorded.length) {
    throw new CeremonyError(
      `${file} holds ${params.contributions.length} contributions; the transcript lists ${recorded.length} up to ${at}`,
    );
  }
  params.contributions.forEach((inZkey, i) => {
    const listed = recorded[i];
    if (listed === undefined || listed.kind === "init") throw new CeremonyError(`${at}: no contribution #${i + 1}`);
    const where = `contribution #${i + 1} (transcript entry #${listed.index})`;
    const differs = (what: string, zkeyValue: string, transcriptValue: string) =>
      new CeremonyError(`${file}: ${where}: the zkey's ${what} is ${zkeyValue}, the transcript's ${transcriptValue}`);
    if (inZkey.contributionHash !== listed.contributionHash) {
      throw differs("contribution hash", inZkey.contributionHash, listed.contributionHash);
    }
    if (inZkey.name !== listed.name)
      throw differs("contributor name", JSON.stringify(inZkey.name), JSON.stringify(listed.name));
    if (inZkey.kind !== listed.kind) throw differs("kind", inZkey.kind, listed.kind);
    if (listed.kind === "beacon") {
      const { value, iterationsExp } = inZkey.beacon ?? { value: "(none)", iterationsExp: 0 };
      if (value !== listed.beacon.value) throw differs("beacon value", value, listed.beacon.value);
      if (iterationsExp !== listed.beacon.iterationsExp) {
        throw differs("beacon iterations exponent", String(iterationsExp), String(listed.beacon.iterationsExp));
      }
    }
  });
  return params;
}
