import { expect } from "chai";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import {
  CIRCUIT_CONFIGS,
  PUBLIC_SIGNALS,
  PTAU_ENV_VAR,
  PtauError,
  TEST_CIRCUIT,
  UnknownCircuitError,
  VERIFIERS_DIR,
  devBeaconHash,
  ensureCircuit,
  getCircuitConfig,
  releaseSnarkjsWorkers,
  requiredPtauPower,
  type CircuitArtifacts,
} from "../../off-chain/circuits/index.js";

// Root-level hook (outside any describe): runs once after every test file.
// snarkjs keeps a worker thread per core alive once it has built its curve,
// which would keep the test process from exiting.
after(async function () {
  await releaseSnarkjsWorkers();
});

/** The artifact files a cached build must leave alone. */
function artifactFiles(artifacts: CircuitArtifacts): string[] {
  return [
    artifacts.r1csPath,
    artifacts.wasmPath,
    artifacts.zkeyPath,
    artifacts.vkeyPath,
    ...artifacts.exported.flatMap((file) => [file.generatedPath, file.targetPath]),
  ];
}

async function mtimes(files: readonly string[]): Promise<Record<string, number>> {
  const result: Record<string, number> = {};
  for (const file of files) result[file] = (await stat(file)).mtimeMs;
  return result;
}

/** Runs `body` with ZKPOW_PTAU set, restoring it afterwards. */
async function withPtauEnv<T>(value: string, body: () => Promise<T>): Promise<T> {
  const previous = process.env.ZKPOW_PTAU;
  process.env.ZKPOW_PTAU = value;
  try {
    return await body();
  } finally {
    if (previous === undefined) delete process.env.ZKPOW_PTAU;
    else process.env.ZKPOW_PTAU = previous;
  }
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(Error);
    return error as Error;
  }
  expect.fail("expected the promise to reject");
}

describe(`circuit build pipeline (${TEST_CIRCUIT})`, function () {
  // The verifiers of these tests go to a folder of their own, so that running
  // the tests never rewrites the committed contracts/verifiers/.
  let verifiersDir: string;
  let first: CircuitArtifacts;

  before(async function () {
    verifiersDir = await mkdtemp(path.join(os.tmpdir(), "zkpow-verifiers-"));
    // Cold cache: compiles and runs the Groth16 setup (minutes); warm: reads the cache.
    first = await ensureCircuit(TEST_CIRCUIT, { verifiersDir });
  });

  after(async function () {
    await rm(verifiersDir, { recursive: true, force: true });
  });

  it("builds the test configuration's artifacts", async function () {
    const config = getCircuitConfig(TEST_CIRCUIT);
    expect(first.config).to.deep.equal(config);
    expect(first.constraints).to.be.greaterThan(0);
    expect(first.verificationKey.protocol).to.equal("groth16");
    expect(first.verificationKey.nPublic).to.equal(PUBLIC_SIGNALS.length);
    expect(first.zkeySha256).to.match(/^[0-9a-f]{64}$/);
    expect(first.exported.map((file) => file.fileName)).to.include.members([
      `${config.verifierName}.sol`,
      `${config.verifierName}.vkey.json`,
    ]);
    // The tests' own folder was empty, so the first call installed everything.
    expect(first.exported.every((file) => file.written)).to.equal(true);
    expect(first.cached).to.equal(false);
    const onDisk = JSON.parse(await readFile(first.vkeyPath, "utf8")) as unknown;
    expect(onDisk).to.deep.equal(first.verificationKey);
  });

  it("does nothing on a second run: reports cached and rewrites no artifact", async function () {
    const before = await mtimes(artifactFiles(first));
    const lines: string[] = [];
    const second = await ensureCircuit(TEST_CIRCUIT, { verifiersDir, log: (line) => lines.push(line) });

    expect(second.cached, lines.join("\n")).to.equal(true);
    expect(second.steps.compile.cached).to.equal(true);
    expect(second.steps.setup.cached).to.equal(true);
    expect(second.steps.export.cached).to.equal(true);
    expect(second.exported.some((file) => file.written)).to.equal(false);
    expect(second.zkeySha256).to.equal(first.zkeySha256);
    expect(second.r1csSha256).to.equal(first.r1csSha256);
    expect(await mtimes(artifactFiles(second))).to.deep.equal(before);
  });

  it("shares one build between concurrent calls for the same configuration", async function () {
    const logs: [string[], string[]] = [[], []];
    const [a, b] = await Promise.all(
      logs.map((lines) => ensureCircuit(TEST_CIRCUIT, { verifiersDir, log: (line) => lines.push(line) })),
    );
    expect(a?.zkeyPath).to.equal(b?.zkeyPath);
    // Only the call that started the build sees its steps (here: the cache hits).
    const sawCompile = logs.map((lines) => lines.some((line) => line.includes("compile cached")));
    expect(sawCompile).to.deep.equal([true, false]);
  });

  it("matches the committed verifier (drift check)", async function () {
    for (const file of first.exported) {
      const committedPath = path.join(VERIFIERS_DIR, file.fileName);
      let committed: string;
      try {
        committed = await readFile(committedPath, "utf8");
      } catch (error) {
        expect.fail(`${committedPath} cannot be read (${String(error)}): run \`npx hardhat circuits\` and commit it`);
      }
      const generated = await readFile(file.generatedPath, "utf8");
      // The committed files are made with the shared development ptau; a
      // machine set up with another one builds other keys, which is no drift.
      if (file.fileName.endsWith(".sol") && !committed.includes(`// ptau sha256: ${first.ptau.sha256}`)) {
        this.skip();
      }
      expect(
        generated === committed,
        `${committedPath} differs from what the build generates (${file.generatedPath}): ` +
          "run `npx hardhat circuits` and commit contracts/verifiers/",
      ).to.equal(true);
    }
  });

  it("names the variable and the path when ZKPOW_PTAU points at a missing file", async function () {
    const missing = path.join(os.tmpdir(), "zkpow-no-such-dir", "pot99_missing.ptau");
    expect(PTAU_ENV_VAR).to.equal("ZKPOW_PTAU");
    const error = await withPtauEnv(missing, () => rejection(ensureCircuit(TEST_CIRCUIT, { verifiersDir })));
    expect(error).to.be.instanceOf(PtauError);
    expect(error.message).to.contain(PTAU_ENV_VAR).and.to.contain(missing);
  });

  it("names the known configurations for an unknown name", async function () {
    const error = await rejection(ensureCircuit("b3d9", { verifiersDir }));
    expect(error).to.be.instanceOf(UnknownCircuitError);
    expect(error.message).to.contain('"b3d9"');
    for (const config of CIRCUIT_CONFIGS) expect(error.message).to.contain(config.name);
    expect(() => getCircuitConfig("")).to.throw(UnknownCircuitError, /b1d4, b2d4, b4d4/);
  });
});

describe("circuit build rules", function () {
  it("sizes the ptau by snarkjs's rule: the domain is the power of two above constraints + public inputs", function () {
    const header = (nConstraints: number) => ({
      nConstraints,
      nPubInputs: 4,
      nOutputs: 0,
      nWires: 0,
      nPrvInputs: 0,
    });
    expect(requiredPtauPower(header(20_371))).to.equal(15);
    expect(requiredPtauPower(header(32_763))).to.equal(15); // 32,767 rows: still below 2^15
    expect(requiredPtauPower(header(32_764))).to.equal(16); // 32,768 rows: needs 2^16
    expect(requiredPtauPower(header(65_531))).to.equal(16);
    expect(requiredPtauPower(header(65_532))).to.equal(17); // too big for the shared 2^16 ptau
  });

  it("derives the dev beacon from the r1cs and ptau hashes only", function () {
    const r1cs = "aa".repeat(32);
    const ptau = "bb".repeat(32);
    expect(devBeaconHash(r1cs, ptau)).to.equal(devBeaconHash(r1cs, ptau));
    expect(devBeaconHash(r1cs, ptau)).to.match(/^[0-9a-f]{64}$/);
    expect(devBeaconHash(r1cs, ptau)).to.not.equal(devBeaconHash(ptau, r1cs));
  });
});
