import { HardhatPluginError } from "hardhat/plugins";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import {
  beaconCeremony,
  CeremonyError,
  contributeToCeremony,
  exportCeremony,
  initCeremony,
  verifyCeremony,
  type CeremonyTarget,
} from "../off-chain/circuits/ceremony/index.js";
import { UnknownCircuitError, releaseSnarkjsWorkers, CircomCompileError } from "../off-chain/circuits/index.js";

interface CeremonyTaskArguments {
  action: string;
  circuit: string;
  dir: string;
  ptau: string;
  name: string;
  value: string;
  iterationsExp: number;
  source: string;
  allowFew: boolean;
  out: string;
  skipVerify: boolean;
}

const ACTIONS = ["init", "contribute", "verify", "beacon", "export"] as const;
type Action = (typeof ACTIONS)[number];

/**
 * `npx hardhat circuits:ceremony <action> --circuit <name>`: one step of a
 * phase-2 trusted-setup ceremony (docs/ceremony.md), then what it did.
 */
export default async function ceremonyTask(
  args: CeremonyTaskArguments,
  _hre: HardhatRuntimeEnvironment,
): Promise<void> {
  try {
    await run(args);
  } catch (error) {
    // The user's to fix: the message alone, as the circuits task does (stack with --show-stack-traces).
    if (error instanceof CeremonyError || error instanceof UnknownCircuitError || error instanceof CircomCompileError) {
      throw new HardhatPluginError("zkpow", error.message, error);
    }
    throw error;
  } finally {
    // snarkjs's worker threads would otherwise keep the process alive after the task.
    await releaseSnarkjsWorkers();
  }
}

function isAction(action: string): action is Action {
  return (ACTIONS as readonly string[]).includes(action);
}

/** snarkjs prints contribution hashes as four lines of four 8-digit groups; people compare them that way. */
function printedHash(hex: string): string {
  const groups = hex.match(/.{8}/g) ?? [];
  const lines: string[] = [];
  for (let i = 0; i < groups.length; i += 4) lines.push(`    ${groups.slice(i, i + 4).join(" ")}`);
  return lines.join("\n");
}

async function run(args: CeremonyTaskArguments): Promise<void> {
  if (!isAction(args.action)) {
    throw new CeremonyError(
      `unknown ceremony action ${JSON.stringify(args.action)}: one of ${ACTIONS.join(", ")} (npx hardhat circuits:ceremony --help)`,
    );
  }
  if (args.circuit === "") throw new CeremonyError("--circuit is required (the circuit configuration, e.g. b2d4)");
  const target: CeremonyTarget = {
    circuit: args.circuit,
    ...(args.dir === "" ? {} : { dir: args.dir }),
    log: (line) => {
      console.log(line);
    },
  };
  const ptau = args.ptau === "" ? {} : { ptau: args.ptau };
  switch (args.action) {
    case "init": {
      const { dir, transcript } = await initCeremony({ ...target, ...ptau });
      console.log(`\nCeremony of ${transcript.circuit.name} started in ${dir}`);
      console.log(`  r1cs sha256 ${transcript.circuit.r1csSha256}`);
      console.log(`  ptau sha256 ${transcript.ptau.sha256} (2^${transcript.ptau.power})`);
      console.log(`  circuit hash:\n${printedHash(transcript.circuitHash)}`);
      return;
    }
    case "contribute": {
      if (args.name === "")
        throw new CeremonyError("contribute needs --name <who contributes> (it goes into the zkey and the transcript)");
      const step = await contributeToCeremony({ ...target, name: args.name });
      console.log(`\nContribution #${step.entry.index} by ${step.entry.name}: ${step.zkeyPath}`);
      console.log(
        `Your contribution hash (publish it; check it is in the final transcript):\n${printedHash(step.entry.contributionHash)}`,
      );
      console.log(`Send back ${step.zkeyPath} and ${step.dir}/transcript.json (sha256 ${step.transcriptSha256}).`);
      return;
    }
    case "beacon": {
      if (args.value === "") throw new CeremonyError("beacon needs --value <the public value, hex>");
      if (args.source === "")
        throw new CeremonyError('beacon needs --source "<what the value is, e.g. Ethereum block 21000000\'s hash>"');
      if (args.iterationsExp === 0)
        throw new CeremonyError("beacon needs --iterations-exp <n> (2^n hash iterations, 10 to 63)");
      const step = await beaconCeremony({
        ...target,
        value: args.value,
        iterationsExp: args.iterationsExp,
        source: args.source,
        allowFew: args.allowFew,
      });
      console.log(`\nFinal beacon (entry #${step.entry.index}): ${step.zkeyPath}`);
      console.log(`Contribution hash:\n${printedHash(step.entry.contributionHash)}`);
      console.log(`Transcript sha256 ${step.transcriptSha256}. Next: verify, then export.`);
      return;
    }
    case "verify": {
      const result = await verifyCeremony({ ...target, ...ptau });
      console.log(`\nCeremony in ${result.dir} verifies: ${result.transcript.entries.length - 1} contributions`);
      for (const entry of result.transcript.entries) {
        if (entry.kind === "init") continue;
        console.log(
          `  #${entry.index} ${entry.kind} ${entry.name}${entry.kind === "beacon" ? ` (${entry.beacon.source})` : ""}`,
        );
        console.log(printedHash(entry.contributionHash));
      }
      console.log(`Latest zkey ${result.zkeyPath} (sha256 ${result.zkeySha256})`);
      console.log(result.finished ? "Finished: its last entry is the beacon." : "Not finished: no beacon yet.");
      return;
    }
    case "export": {
      const result = await exportCeremony({
        ...target,
        ...ptau,
        ...(args.out === "" ? {} : { outDir: args.out }),
        skipVerify: args.skipVerify,
      });
      console.log(`\nExported ${result.record.verifiers.batch} and ${result.record.verifiers.sequence}:`);
      for (const file of result.files) console.log(`  ${file}`);
      console.log(
        `Final zkey sha256 ${result.record.finalZkeySha256}; transcript sha256 ${result.record.transcriptSha256}`,
      );
      return;
    }
  }
}
