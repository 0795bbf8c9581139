import path from "node:path";

import type { VerificationKey } from "snarkjs";

import { compileCircuit, type CompiledCircuit } from "./compile.js";
import { getCircuitConfig, type CircuitConfig } from "./configurations.js";
import { EXPORTERS } from "./exporters.js";
import { generateExports, installExports, type ExportedFile, type GeneratedExports } from "./export.js";
import { withLock } from "./lock.js";
import { makeReporter, type LogFn, type Reporter } from "./log.js";
import { VERIFIERS_DIR, circuitCacheDir } from "./paths.js";
import { resolvePtau, type ResolvedPtau } from "./ptau.js";
import { setupCircuit, type SetupResult } from "./setup.js";

export interface EnsureCircuitOptions {
  /** Receives every progress line. Without it, only lines about real work (compile, setup) go to stderr. */
  log?: LogFn;
  /**
   * Where the verifiers and verification keys are installed: contracts/verifiers/
   * by default. A test that must not touch the committed files passes a
   * folder of its own.
   */
  verifiersDir?: string;
}

/** How one step of a build went. */
export interface StepOutcome {
  cached: boolean;
  seconds: number;
}

/** Everything a prover, a verifier test or a deployment needs from one configuration. */
export interface CircuitArtifacts {
  config: CircuitConfig;
  r1csPath: string;
  /** The witness generator: the `wasmFile` of snarkjs groth16.fullProve. */
  wasmPath: string;
  zkeyPath: string;
  /** The verification key as JSON, in the cache. */
  vkeyPath: string;
  verificationKey: VerificationKey;
  constraints: number;
  r1csSha256: string;
  zkeySha256: string;
  ptau: Pick<ResolvedPtau, "path" | "sha256" | "source">;
  /** The verifier contract and verification key, as installed. */
  exported: ExportedFile[];
  steps: { compile: StepOutcome; setup: StepOutcome; export: StepOutcome };
  /** True when nothing was compiled, set up, generated or written. */
  cached: boolean;
}

interface CacheBuild {
  compiled: CompiledCircuit;
  ptau: ResolvedPtau;
  setup: SetupResult;
  generated: GeneratedExports;
  steps: CircuitArtifacts["steps"];
}

// Concurrent calls for the same configuration and cache folder share one
// build: two builds writing the same cache folder would race on its files
// (across processes, a lock file in the folder does the same job).
// The entry goes once the build settles, so a later call re-checks the cache
// (cheap) and sees changed sources or settings.
const inFlight = new Map<string, Promise<CacheBuild>>();

/**
 * Compiles, sets up and exports the configuration as needed (each step is
 * cached on disk by everything its output depends on) and returns its
 * artifacts. Throws UnknownCircuitError for an unknown name and PtauError
 * when no suitable powers of tau can be found.
 */
export async function ensureCircuit(name: string, options: EnsureCircuitOptions = {}): Promise<CircuitArtifacts> {
  const config = getCircuitConfig(name);
  const reporter = makeReporter(config.name, options.log);
  const buildKey = circuitCacheDir(config.name);
  let pending = inFlight.get(buildKey);
  if (pending === undefined) {
    pending = withLock(path.join(buildKey, ".lock"), `building ${config.name}`, reporter, () =>
      buildInCache(config, reporter),
    ).finally(() => inFlight.delete(buildKey));
    inFlight.set(buildKey, pending);
  }
  const build = await pending;

  const started = performance.now();
  const exported = await installExports(build.generated, options.verifiersDir ?? VERIFIERS_DIR, reporter);
  const anyWritten = exported.some((file) => file.written);
  const steps = {
    ...build.steps,
    export: {
      cached: build.steps.export.cached && !anyWritten,
      seconds: build.steps.export.seconds + (performance.now() - started) / 1000,
    },
  };
  return {
    config,
    r1csPath: build.compiled.r1csPath,
    wasmPath: build.compiled.wasmPath,
    zkeyPath: build.setup.zkeyPath,
    vkeyPath: build.setup.vkeyPath,
    verificationKey: build.setup.verificationKey,
    constraints: build.compiled.r1cs.nConstraints,
    r1csSha256: build.compiled.r1csSha256,
    zkeySha256: build.setup.zkeySha256,
    ptau: { path: build.ptau.path, sha256: build.ptau.sha256, source: build.ptau.source },
    exported,
    steps,
    cached: steps.compile.cached && steps.setup.cached && steps.export.cached,
  };
}

/**
 * Compiles the configuration as needed (no Groth16 setup): what a ceremony
 * or a prover with a zkey of its own needs from the build. Takes a name
 * (getCircuitConfig's) or a configuration (a production one, say). Holds the same
 * lock as ensureCircuit, which writes the same cache folder.
 */
export async function ensureCompiled(
  circuit: string | CircuitConfig,
  options: { log?: LogFn } = {},
): Promise<CompiledCircuit> {
  const config = typeof circuit === "string" ? getCircuitConfig(circuit) : circuit;
  const reporter = makeReporter(config.name, options.log);
  const dir = circuitCacheDir(config.name);
  return withLock(path.join(dir, ".lock"), `compiling ${config.name}`, reporter, () =>
    compileCircuit(config, reporter),
  );
}

async function buildInCache(config: CircuitConfig, reporter: Reporter): Promise<CacheBuild> {
  let started = performance.now();
  const compiled = await compileCircuit(config, reporter);
  const compile = { cached: compiled.cached, seconds: (performance.now() - started) / 1000 };

  // Resolved on every build, cached or not: the setup cache key includes the
  // ptau hash, and a bad ZKPOW_PTAU must fail the same way either way.
  started = performance.now();
  const ptau = await resolvePtau(compiled.r1cs, reporter);
  const setup = await setupCircuit(config, compiled, ptau, reporter);
  const setupStep = { cached: setup.cached, seconds: (performance.now() - started) / 1000 };

  started = performance.now();
  const generated = await generateExports({ config, compiled, setup, ptau }, reporter, EXPORTERS);
  const exportStep = { cached: generated.cached, seconds: (performance.now() - started) / 1000 };

  return { compiled, ptau, setup, generated, steps: { compile, setup: setupStep, export: exportStep } };
}
