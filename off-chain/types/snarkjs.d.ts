// The parts of snarkjs 0.7.6 that zkpow uses (the package ships no types).
//
// Conventions snarkjs follows, which these declarations keep:
// - Field elements and curve coordinates travel as decimal strings in JSON
//   objects (proofs, public signals, verification keys); inputs accept
//   bigints, numbers or decimal strings.
// - A "file" argument is a path, or an in-memory file descriptor such as
//   `{ type: "mem" }` that snarkjs fills in.
// - Many setup functions report failure by logging through `logger.error`
//   and returning a sentinel (`-1`, `false`) instead of throwing: callers must
//   check the result.
declare module "snarkjs" {
  /** A decimal string of a field element or a coordinate, as snarkjs writes it in JSON. */
  export type NumericString = string;

  /** The logger snarkjs calls (console works). */
  export interface SnarkjsLogger {
    error(message: string): void;
    warn(message: string): void;
    info(message: string): void;
    debug(message: string): void;
  }

  /** An in-memory file: snarkjs reads it, or allocates `data` when writing. */
  export interface MemFile {
    type: "mem" | "bigMem";
    data?: Uint8Array;
  }

  export type FileRef = string | MemFile;

  /** A Groth16 proof over BN254 as snarkjs returns it: projective coordinates, decimal strings. */
  export interface Groth16Proof {
    /** G1 point: [x, y, z] (z is "1" for proofs snarkjs makes). */
    pi_a: [NumericString, NumericString, NumericString];
    /** G2 point: [[x.c0, x.c1], [y.c0, y.c1], [z.c0, z.c1]]. The Solidity verifier takes each pair swapped. */
    pi_b: [[NumericString, NumericString], [NumericString, NumericString], [NumericString, NumericString]];
    /** G1 point: [x, y, z]. */
    pi_c: [NumericString, NumericString, NumericString];
    protocol: "groth16";
    curve: "bn128";
  }

  /** The circuit's public signals in declaration order, as decimal strings. */
  export type PublicSignals = NumericString[];

  type G1Point = [NumericString, NumericString, NumericString];
  type G2Point = [[NumericString, NumericString], [NumericString, NumericString], [NumericString, NumericString]];

  /** A Groth16 verification key as `zKey.exportVerificationKey` returns it (and `snarkjs zkey export verificationkey` writes). */
  export interface VerificationKey {
    protocol: "groth16";
    curve: "bn128";
    /** Number of public signals. */
    nPublic: number;
    vk_alpha_1: G1Point;
    vk_beta_2: G2Point;
    vk_gamma_2: G2Point;
    vk_delta_2: G2Point;
    /** e(alpha, beta), precomputed: 2 x 3 x 2 coordinates. */
    vk_alphabeta_12: [NumericString, NumericString][][];
    /** One G1 point per public signal, plus IC[0] for the constant. */
    IC: G1Point[];
  }

  /** A witness or proof input: signal name to value (nested arrays for array signals). */
  export type CircuitSignalValue = bigint | number | string | readonly CircuitSignalValue[];
  export type CircuitInput = Record<string, CircuitSignalValue>;

  /** Options for the witness calculator (circom_runtime). */
  export interface WitnessCalculatorOptions {
    /** Print `log()` calls of the circuit. */
    logOutput?: boolean;
    logTrigger?: boolean;
    logStartComponent?: boolean;
    logFinishComponent?: boolean;
    logGetSignal?: boolean;
    logSetSignal?: boolean;
  }

  /** The header of an R1CS file (`r1cs.info` reads the whole file and returns these among its fields). */
  export interface R1csInfo {
    prime: bigint;
    nVars: number;
    nOutputs: number;
    nPubInputs: number;
    nPrvInputs: number;
    nLabels: number;
    nConstraints: number;
  }

  /** A group of a curve engine: the point encodings zkpow converts between. */
  export interface CurveGroup {
    /** The base field; `n8` is its element size in bytes (a point is 2 * n8 bytes affine). */
    F: { n8: number };
    /**
     * Writes `point` (affine, little-endian Montgomery: the form zkey files store) as uncompressed big-endian
     * coordinates, the form snarkjs hashes phase-2 contributions in.
     */
    toRprUncompressed(buffer: Uint8Array, offset: number, point: Uint8Array): void;
  }

  /** A curve engine (ffjavascript). It owns worker threads: end them with `terminate()`. */
  export interface Curve {
    name: string;
    G1: CurveGroup;
    G2: CurveGroup;
    /** Ends the curve's worker threads and forgets the cached instance. */
    terminate(): Promise<void>;
  }

  export namespace groth16 {
    /** Computes the witness from `input` with the circuit's wasm, then proves. */
    function fullProve(
      input: CircuitInput,
      wasmFile: FileRef,
      zkeyFile: FileRef,
      logger?: SnarkjsLogger,
      wtnsCalcOptions?: WitnessCalculatorOptions,
      proverOptions?: Record<string, unknown>,
    ): Promise<{ proof: Groth16Proof; publicSignals: PublicSignals }>;

    /** Proves from a witness file (`wtns.calculate`'s output). */
    function prove(
      zkeyFile: FileRef,
      witnessFile: FileRef,
      logger?: SnarkjsLogger,
      options?: Record<string, unknown>,
    ): Promise<{ proof: Groth16Proof; publicSignals: PublicSignals }>;

    /** Returns false (never throws) for a proof that does not verify or malformed public signals. */
    function verify(
      verificationKey: VerificationKey,
      publicSignals: readonly (NumericString | bigint)[],
      proof: Groth16Proof,
      logger?: SnarkjsLogger,
    ): Promise<boolean>;
  }

  export namespace wtns {
    /** Computes the witness of `input` into `wtnsFile`; throws if a constraint fails. */
    function calculate(
      input: CircuitInput,
      wasmFile: FileRef,
      wtnsFile: FileRef,
      options?: WitnessCalculatorOptions,
    ): Promise<void>;
    /** Every signal of a witness (`calculate`'s output), signal 0 being the constant 1. */
    function exportJson(wtnsFile: FileRef): Promise<bigint[]>;
  }

  export namespace r1cs {
    function info(r1csFile: FileRef, logger?: SnarkjsLogger): Promise<R1csInfo>;
  }

  export namespace zKey {
    /** Groth16 phase-2 start. Deterministic. Returns the circuit hash, or -1 on failure (logged through `logger.error`). */
    function newZKey(
      r1csFile: FileRef,
      ptauFile: FileRef,
      zkeyFile: FileRef,
      logger?: SnarkjsLogger,
    ): Promise<Uint8Array | -1>;

    /**
     * A phase-2 contribution from a public random beacon: deterministic given
     * the beacon. `beaconHash` is hex; `numIterationsExp` is in 10..63.
     * Returns the contribution hash, or false on failure (logged).
     */
    function beacon(
      oldZkeyFile: FileRef,
      newZkeyFile: FileRef,
      name: string,
      beaconHash: string,
      numIterationsExp: number,
      logger?: SnarkjsLogger,
    ): Promise<Uint8Array | false>;

    /** A phase-2 contribution with fresh randomness plus `entropy`. Returns the contribution hash. */
    function contribute(
      oldZkeyFile: FileRef,
      newZkeyFile: FileRef,
      name: string,
      entropy: string,
      logger?: SnarkjsLogger,
    ): Promise<Uint8Array>;

    /** Checks a zkey against the circuit and the ptau, replaying every contribution. */
    function verifyFromR1cs(
      r1csFile: FileRef,
      ptauFile: FileRef,
      zkeyFile: FileRef,
      logger?: SnarkjsLogger,
    ): Promise<boolean>;

    function exportVerificationKey(zkeyFile: FileRef, logger?: SnarkjsLogger): Promise<VerificationKey>;

    /** Renders `templates[protocol]` (an EJS template, e.g. snarkjs/templates/verifier_groth16.sol.ejs) with the key. */
    function exportSolidityVerifier(
      zkeyFile: FileRef,
      templates: { groth16?: string; plonk?: string; fflonk?: string },
      logger?: SnarkjsLogger,
    ): Promise<string>;
  }

  export namespace powersOfTau {
    /** Starts a ceremony of 2^power. */
    function newAccumulator(curve: Curve, power: number, ptauFile: FileRef, logger?: SnarkjsLogger): Promise<unknown>;

    /** Adds a contribution from fresh randomness plus `entropy` (prompts on stdin if entropy is empty). */
    function contribute(
      oldPtauFile: FileRef,
      newPtauFile: FileRef,
      name: string,
      entropy: string,
      logger?: SnarkjsLogger,
    ): Promise<Uint8Array>;

    /** Computes the Lagrange bases Groth16 setup needs (the slow step). */
    function preparePhase2(oldPtauFile: FileRef, newPtauFile: FileRef, logger?: SnarkjsLogger): Promise<void>;
  }

  export namespace curves {
    /** The shared curve engine of that name ("bn128"); built once per process, with worker threads. */
    function getCurveFromName(name: string, options?: { singleThread?: boolean }): Promise<Curve>;
  }
}
