import { readFileSync } from "node:fs";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";

import { expect } from "chai";
import { Contract, type InterfaceAbi } from "ethers";
import { network } from "hardhat";
import * as snarkjs from "snarkjs";

import {
  beaconCeremony,
  CeremonyError,
  contributeToCeremony,
  exportCeremony,
  initCeremony,
  readPhase2Params,
  readTranscript,
  verifyCeremony,
  type CeremonyRecord,
  type Transcript,
} from "../../off-chain/circuits/ceremony/index.js";
import {
  assertVerifierHoldsKey,
  ensureCircuit,
  releaseSnarkjsWorkers,
  verificationKeyOf,
  VerifierKeyError,
  type CircuitArtifacts,
} from "../../off-chain/circuits/index.js";
import { SHARED_PTAU_PATH } from "../../off-chain/circuits/paths.js";
import { buildBatchWitness } from "../../off-chain/l2/index.js";
import { toSolidityProof } from "../../off-chain/prover/solidity.js";
import { l2Fixture, PROVER } from "../helpers/l2.js";

const require = createRequire(import.meta.url);
const CIRCUIT = "b1d4";
/** snarkjs's minimum: the beacon's cost is not what this test is about. */
const ITERATIONS_EXP = 10;
const BEACON = {
  value: "0x8f3c0e2a9b7d51c4e6f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7",
  source: "test block 1's hash",
};

interface SolcOutput {
  errors?: { severity: string; formattedMessage: string }[];
  contracts: Record<string, Record<string, { abi: InterfaceAbi; evm: { bytecode: { object: string } } }>>;
}

/**
 * Compiles generated verifiers where they were written (outside contracts/, so Hardhat does not build them),
 * with the pinned solc as hardhat.config.ts's default profile does; imports resolve from the files' own folder.
 */
function compileVerifiers(files: readonly string[]): SolcOutput["contracts"] {
  const solc = require("solc") as {
    compile(input: string, callbacks: { import(file: string): { contents: string } | { error: string } }): string;
  };
  const sources = Object.fromEntries(files.map((file) => [file, { content: readFileSync(file, "utf8") }]));
  const output = JSON.parse(
    solc.compile(
      JSON.stringify({
        language: "Solidity",
        sources,
        settings: {
          optimizer: { enabled: true, runs: 200 },
          outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
        },
      }),
      {
        import(file) {
          try {
            return { contents: readFileSync(file, "utf8") };
          } catch (error) {
            return { error: String(error) };
          }
        },
      },
    ),
  ) as SolcOutput;
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  expect(errors.map((e) => e.formattedMessage)).to.deep.equal([]);
  return output.contracts;
}

/** Runs `body`, expecting a CeremonyError whose message contains every fragment. */
async function refused(body: () => Promise<unknown>, ...fragments: string[]): Promise<CeremonyError> {
  let failure: unknown;
  try {
    await body();
  } catch (error) {
    failure = error;
  }
  expect(failure, "no error").to.be.instanceOf(CeremonyError);
  const error = failure as CeremonyError;
  for (const fragment of fragments) expect(error.message).to.contain(fragment);
  return error;
}

/**
 * The production key path (issue 9, "Keys from a real ceremony only") on the smallest circuit: a phase-2
 * ceremony with two contributors and a beacon, its verification (and what makes it fail), and the verifiers of
 * its final zkey on a real EVM, against proofs of the ceremony's zkey and of the development one.
 */
describe("circuits:ceremony: a phase-2 ceremony (b1d4, 2^16 ptau)", function () {
  let root: string;
  let dir: string;
  let dev: CircuitArtifacts;
  let transcript: Transcript;
  let finalZkey: string;
  const quiet = { log: () => undefined };

  /** A copy of the finished ceremony, to break without touching the original. */
  async function copyCeremony(name: string): Promise<string> {
    const copy = path.join(root, name);
    await cp(dir, copy, { recursive: true });
    return copy;
  }

  async function editTranscript(ceremonyDir: string, edit: (transcript: Transcript) => void): Promise<void> {
    const { transcript: copy } = await readTranscript(ceremonyDir);
    edit(copy);
    await writeFile(path.join(ceremonyDir, "transcript.json"), JSON.stringify(copy, null, 2) + "\n");
  }

  before(async function () {
    root = await mkdtemp(path.join(os.tmpdir(), "zkpow-ceremony-"));
    dir = path.join(root, CIRCUIT);
    dev = await ensureCircuit(CIRCUIT);
    await initCeremony({ circuit: CIRCUIT, dir, ptau: SHARED_PTAU_PATH, ...quiet });
    await contributeToCeremony({ circuit: CIRCUIT, dir, name: "alice", ...quiet });
    await contributeToCeremony({ circuit: CIRCUIT, dir, name: "bob", ...quiet });
    const beacon = await beaconCeremony({ circuit: CIRCUIT, dir, iterationsExp: ITERATIONS_EXP, ...BEACON, ...quiet });
    transcript = beacon.transcript;
    finalZkey = beacon.zkeyPath;
  });

  after(async function () {
    await releaseSnarkjsWorkers();
    await rm(root, { recursive: true, force: true });
  });

  it("records init, two contributions and the beacon; the final zkey holds exactly them; verify passes", async function () {
    const { transcript: written } = await readTranscript(dir);
    expect(written).to.deep.equal(transcript);
    expect(written.entries.map((entry) => [entry.index, entry.kind, entry.zkey])).to.deep.equal([
      [0, "init", "b1d4_0000.zkey"],
      [1, "contribution", "b1d4_0001.zkey"],
      [2, "contribution", "b1d4_0002.zkey"],
      [3, "beacon", "b1d4_0003.zkey"],
    ]);
    expect(written.circuit).to.include({ name: CIRCUIT, r1csSha256: dev.r1csSha256, constraints: dev.constraints });
    expect(written.ptau.sha256).to.equal(dev.ptau.sha256);
    const params = await readPhase2Params(finalZkey);
    expect(params.circuitHash).to.equal(written.circuitHash);
    expect(params.contributions.map((c) => [c.name, c.kind, c.contributionHash])).to.deep.equal(
      written.entries.flatMap((entry) =>
        entry.kind === "init" ? [] : [[entry.name, entry.kind, entry.contributionHash]],
      ),
    );
    expect(params.contributions[2]?.beacon).to.deep.equal({
      value: BEACON.value.slice(2),
      iterationsExp: ITERATIONS_EXP,
    });

    const verified = await verifyCeremony({ circuit: CIRCUIT, dir, ...quiet });
    expect(verified).to.include({ finished: true, fullyVerified: true, zkeyPath: finalZkey });
  });

  it("refuses bad input with an error saying what and where", async function () {
    const empty = path.join(root, "empty");
    await refused(
      () => contributeToCeremony({ circuit: CIRCUIT, dir: empty, name: "x", ...quiet }),
      `no ceremony in ${empty}`,
      "init",
    );
    await refused(
      () => verifyCeremony({ circuit: "b2d4", dir, ...quiet }),
      `is for circuit b1d4 (Batch(1, 4)), not b2d4`,
    );
    await refused(
      () => verifyCeremony({ circuit: "b9d9", dir, ...quiet }),
      'unknown circuit configuration "b9d9": a ceremony is for one of b1d4, b2d4, b4d4 (development) or b1d24,',
    );
    await refused(() => initCeremony({ circuit: CIRCUIT, dir, ...quiet }), `${dir} already holds a ceremony`);
    await refused(
      () => beaconCeremony({ circuit: CIRCUIT, dir, value: "0xZZ", iterationsExp: 10, source: "s", ...quiet }),
      '"0xZZ" is not hex',
    );
    await refused(
      () => beaconCeremony({ circuit: CIRCUIT, dir, value: "abc", iterationsExp: 10, source: "s", ...quiet }),
      '"abc" is not hex',
    );
    await refused(
      () => beaconCeremony({ circuit: CIRCUIT, dir, value: "ab", iterationsExp: 9, source: "s", ...quiet }),
      "--iterations-exp must be a whole number from 10 to 63",
    );
    await refused(
      () => contributeToCeremony({ circuit: CIRCUIT, dir, name: "mallory", ...quiet }),
      "is finished",
      "final beacon",
    );
    await refused(
      () => contributeToCeremony({ circuit: CIRCUIT, dir, name: "a\nb", ...quiet }),
      "control character or line break",
    );

    // A ptau too small for the circuit (b1d4 needs 2^14): refused before any work.
    const small = path.join(root, "pot8.ptau");
    await snarkjs.powersOfTau.newAccumulator(await snarkjs.curves.getCurveFromName("bn128"), 8, small);
    await refused(
      () => initCeremony({ circuit: CIRCUIT, dir: path.join(root, "small"), ptau: small, ...quiet }),
      `powers of tau ${small} is 2^8; circuit b1d4 needs 2^14`,
    );
  });

  it("refuses a beacon after fewer than two contributions, unless told to allow it", async function () {
    const early = await copyCeremony("early");
    await editTranscript(early, (copy) => copy.entries.splice(2));
    await rm(path.join(early, "b1d4_0002.zkey"));
    await rm(path.join(early, "b1d4_0003.zkey"));
    const beacon = { circuit: CIRCUIT, dir: early, iterationsExp: ITERATIONS_EXP, ...BEACON, ...quiet };
    await refused(
      () => beaconCeremony(beacon),
      "has 1 contribution(s); the beacon comes after at least 2",
      "--allow-few",
    );
    const step = await beaconCeremony({ ...beacon, allowFew: true });
    expect(step.entry).to.include({ index: 2, kind: "beacon" });
  });

  it("verify fails on an edited transcript", async function () {
    const renamed = await copyCeremony("renamed");
    await editTranscript(renamed, (copy) => {
      const entry = copy.entries[1];
      if (entry?.kind === "contribution") entry.name = "mallory";
    });
    await refused(
      () => verifyCeremony({ circuit: CIRCUIT, dir: renamed, transcriptOnly: true, ...quiet }),
      'contribution #1 (transcript entry #1): the zkey\'s contributor name is "alice", the transcript\'s "mallory"',
    );

    // Contributions listed in another order: the zkeys' own records disagree.
    const reordered = await copyCeremony("reordered");
    await editTranscript(reordered, (copy) => {
      const [first, second] = [copy.entries[1], copy.entries[2]];
      if (first?.kind !== "contribution" || second?.kind !== "contribution") throw new Error("unexpected transcript");
      [first.contributionHash, second.contributionHash] = [second.contributionHash, first.contributionHash];
    });
    await refused(
      () => verifyCeremony({ circuit: CIRCUIT, dir: reordered, transcriptOnly: true, ...quiet }),
      "the zkey's contribution hash is",
    );

    const dropped = await copyCeremony("dropped");
    await editTranscript(dropped, (copy) => copy.entries.splice(2, 1));
    await refused(
      () => verifyCeremony({ circuit: CIRCUIT, dir: dropped, transcriptOnly: true, ...quiet }),
      "transcript entry #2 has index 3: entries must be numbered 0, 1, 2... in order",
    );
  });

  it("verify fails on a zkey swapped for another, with or without the transcript's hash edited to match", async function () {
    const swapped = await copyCeremony("swapped");
    await cp(dev.zkeyPath, path.join(swapped, "b1d4_0002.zkey"));
    await refused(
      () => verifyCeremony({ circuit: CIRCUIT, dir: swapped, ...quiet }),
      `${path.join(swapped, "b1d4_0002.zkey")} has sha256 ${dev.zkeySha256}, but transcript entry #2 records`,
      "changed or swapped",
    );
    await editTranscript(swapped, (copy) => {
      const entry = copy.entries[2];
      if (entry !== undefined) entry.zkeySha256 = dev.zkeySha256;
    });
    // The development zkey starts from the same r1cs and ptau (same circuit hash) but holds one beacon, not two contributions.
    await refused(
      () => verifyCeremony({ circuit: CIRCUIT, dir: swapped, ...quiet }),
      `${path.join(swapped, "b1d4_0002.zkey")} holds 1 contributions; the transcript lists 2 up to transcript entry #2`,
    );
  });

  it("exports production verifiers that accept the ceremony's proofs and refuse the dev key's (and vice versa)", async function () {
    const outDir = path.join(root, "verifiers");
    // verify ran in the first test; the export still checks the transcript against the zkeys.
    const exported = await exportCeremony({ circuit: CIRCUIT, dir, outDir, skipVerify: true, ...quiet });
    const names = ["BatchVerifierB1D4Production", "SequenceVerifierB1D4Production"];
    expect(exported.files.map((file) => path.basename(file)).sort()).to.deep.equal(
      [
        "BatchVerifierB1D4Production.sol",
        "BatchVerifierB1D4Production.vkey.json",
        "SequenceVerifierB1D4Production.sol",
        "BatchVerifierB1D4Production.ceremony.json",
      ].sort(),
    );
    const record = JSON.parse(await readFile(path.join(dir, "ceremony.json"), "utf8")) as CeremonyRecord;
    expect(record).to.deep.equal(exported.record);
    expect(record).to.include({ finalZkey: "b1d4_0003.zkey", transcriptSha256: (await readTranscript(dir)).sha256 });
    expect(record.contributions.map((c) => c.name)).to.deep.equal(["alice", "bob"]);
    const finalKey = await verificationKeyOf(finalZkey);
    expect(
      JSON.parse(await readFile(path.join(outDir, "BatchVerifierB1D4Production.vkey.json"), "utf8")),
    ).to.deep.equal(finalKey);
    const sequenceSource = await readFile(path.join(outDir, "SequenceVerifierB1D4Production.sol"), "utf8");
    expect(sequenceSource).to.contain("contract SequenceVerifierB1D4Production is Groth16BatchVerifier");
    expect(sequenceSource).to.contain(`// zkey sha256: ${record.finalZkeySha256}`);
    expect(sequenceSource).to.contain("trusted-setup ceremony of 2 contributions");
    expect(sequenceSource).not.to.contain("dev beacon");

    // Compiled where they were written (the library import points back into contracts/libraries/).
    const contracts = compileVerifiers(names.map((name) => path.join(outDir, `${name}.sol`)));
    const { ethers } = await network.create();
    const [deployer] = await ethers.getSigners();
    const deploy = async (name: string): Promise<Contract> => {
      const artifact =
        contracts[path.join(outDir, `${name}.sol`)]?.[name] ?? expect.fail(`no ${name} in solc's output`);
      const factory = new ethers.ContractFactory(artifact.abi, artifact.evm.bytecode.object, deployer);
      const contract = await factory.deploy();
      await contract.waitForDeployment();
      return new Contract(await contract.getAddress(), artifact.abi, deployer);
    };
    const production = { batch: await deploy(names[0] ?? ""), sequence: await deploy(names[1] ?? "") };
    const development = {
      batch: await ethers.deployContract("BatchVerifierB1D4"),
      sequence: await ethers.deployContract("SequenceVerifierB1D4"),
    };

    // One empty batch from a genesis: the same statement, proven with either zkey.
    const l2 = await l2Fixture(4, [1_000n, 0n]);
    const witness = buildBatchWitness(l2.crypto, {
      state: l2.genesis,
      transfers: [],
      prover: PROVER,
      chainId: l2.chainId,
      batchSize: 1,
    });
    const prove = (zkey: string) => snarkjs.groth16.fullProve(witness.input, dev.wasmPath, zkey);
    const ceremonyProof = await prove(finalZkey);
    const devProof = await prove(dev.zkeyPath);
    expect(ceremonyProof.publicSignals).to.deep.equal(devProof.publicSignals);
    const signals = ceremonyProof.publicSignals.map(BigInt);
    const batchAccepts = async (verifier: Contract, proof: snarkjs.Groth16Proof): Promise<boolean> => {
      const { a, b, c } = toSolidityProof(proof);
      return (await verifier.getFunction("verifyProof").staticCall(a, b, c, signals)) as boolean;
    };
    const sequenceAccepts = async (verifier: Contract, proof: snarkjs.Groth16Proof): Promise<boolean> =>
      (await verifier.getFunction("verifyProofs").staticCall([signals], [toSolidityProof(proof)])) as boolean;

    expect(await batchAccepts(production.batch, ceremonyProof.proof), "production verifier, ceremony proof").to.equal(
      true,
    );
    expect(
      await sequenceAccepts(production.sequence, ceremonyProof.proof),
      "production sequence verifier, ceremony proof",
    ).to.equal(true);
    expect(await batchAccepts(production.batch, devProof.proof), "production verifier, dev proof").to.equal(false);
    expect(
      await sequenceAccepts(production.sequence, devProof.proof),
      "production sequence verifier, dev proof",
    ).to.equal(false);
    expect(
      await batchAccepts(development.batch as unknown as Contract, ceremonyProof.proof),
      "dev verifier, ceremony proof",
    ).to.equal(false);
    expect(
      await sequenceAccepts(development.sequence as unknown as Contract, ceremonyProof.proof),
      "dev sequence verifier, ceremony proof",
    ).to.equal(false);
    // The control: the dev verifiers accept the dev proof.
    expect(await sequenceAccepts(development.sequence as unknown as Contract, devProof.proof)).to.equal(true);

    // The shared check (miner, rollup:deploy): each verifier holds its own key and not the other's.
    const ceremonyKey = { verificationKey: finalKey, name: `the verification key of ${finalZkey}` };
    for (const verifier of [production.batch, production.sequence]) {
      await assertVerifierHoldsKey(ethers.provider, await verifier.getAddress(), ceremonyKey, "test");
    }
    const devAddress = await development.sequence.getAddress();
    let failure: unknown;
    try {
      await assertVerifierHoldsKey(ethers.provider, devAddress, ceremonyKey, "network test: the rollup's verifier");
    } catch (error) {
      failure = error;
    }
    expect(failure).to.be.instanceOf(VerifierKeyError);
    expect((failure as VerifierKeyError).message).to.match(
      new RegExp(
        `^network test: the rollup's verifier: the verifier ${devAddress} does not hold the verification key of .*b1d4_0003\\.zkey \\(\\d+ of its 28 words missing\\)$`,
      ),
    );
    // Only delta differs between the two keys (phase 2 changes delta alone): its 4 words are what is missing.
    expect((failure as VerifierKeyError).missing).to.equal(4);
    const nobody = "0x000000000000000000000000000000000000dEaD";
    let noCode: unknown;
    try {
      await assertVerifierHoldsKey(ethers.provider, nobody, ceremonyKey, "test");
    } catch (error) {
      noCode = error;
    }
    expect((noCode as Error).message).to.contain(`no contract at the verifier address ${nobody}`);
  });
});
