import { createHash } from "node:crypto";

import * as snarkjs from "snarkjs";

import { readSection } from "../binfile.js";

/** The zkey section holding the phase-2 (MPC) parameters: the circuit hash and every contribution's public key. */
const MPC_PARAMS_SECTION = 10;

/** One phase-2 contribution as a zkey records it. */
export interface Phase2Contribution {
  /** The name given at contribution time (snarkjs keeps at most 64 bytes of it). */
  name: string;
  /** snarkjs's contribution hash (blake2b-512 of the contribution's public key), hex: what `zkey contribute` prints. */
  contributionHash: string;
  /** A random contribution, or a beacon (deterministic from a public value). */
  kind: "contribution" | "beacon";
  /** For a beacon: the public value (hex) and the hash iterations' exponent. */
  beacon?: { value: string; iterationsExp: number };
}

/** The phase-2 record of a zkey: which circuit and ptau it started from, and every contribution since, in order. */
export interface Phase2Params {
  /** The circuit hash snarkjs prints at `zkey new` (blake2b-512 over the initial key), hex. */
  circuitHash: string;
  contributions: Phase2Contribution[];
}

/**
 * Reads a zkey's phase-2 parameters and computes each contribution's hash
 * as snarkjs does (zkey_utils.hashPubKey). The hashes need the curve's own
 * point encoding, so this starts snarkjs's curve (release it with
 * releaseSnarkjsWorkers when done).
 */
export async function readPhase2Params(zkeyPath: string): Promise<Phase2Params> {
  const data = await readSection(zkeyPath, "zkey", MPC_PARAMS_SECTION);
  const curve = await snarkjs.curves.getCurveFromName("bn128");
  const g1Size = curve.G1.F.n8 * 2;
  const g2Size = curve.G2.F.n8 * 2;
  let position = 0;
  const take = (length: number): Buffer => {
    if (position + length > data.length) throw new Error(`${zkeyPath}: the phase-2 parameters end early`);
    const bytes = data.subarray(position, position + length);
    position += length;
    return bytes;
  };
  const uncompressed = (group: snarkjs.CurveGroup, point: Buffer): Uint8Array => {
    const out = new Uint8Array(point.length);
    group.toRprUncompressed(out, 0, new Uint8Array(point));
    return out;
  };

  const circuitHash = take(64).toString("hex");
  const count = take(4).readUInt32LE(0);
  const contributions: Phase2Contribution[] = [];
  for (let i = 0; i < count; i++) {
    const hash = createHash("blake2b512");
    // deltaAfter, g1_s, g1_sx (G1), g2_spx (G2), then the 64-byte transcript: the order hashPubKey hashes them in.
    for (const size of [g1Size, g1Size, g1Size]) hash.update(uncompressed(curve.G1, take(size)));
    hash.update(uncompressed(curve.G2, take(g2Size)));
    hash.update(take(64));
    const type = take(4).readUInt32LE(0);
    const params = parseParams(take(take(4).readUInt32LE(0)), zkeyPath, i);
    const contribution: Phase2Contribution = {
      name: params.name ?? "",
      contributionHash: hash.digest("hex"),
      kind: type === 1 ? "beacon" : "contribution",
    };
    if (type === 1) {
      if (params.beaconHash === undefined || params.iterationsExp === undefined) {
        throw new Error(`${zkeyPath}: beacon contribution #${i + 1} lacks its value or iterations`);
      }
      contribution.beacon = { value: params.beaconHash, iterationsExp: params.iterationsExp };
    }
    contributions.push(contribution);
  }
  return { circuitHash, contributions };
}

/** A contribution's optional parameters: type-length-value, sorted by type (1 name, 2 iterations, 3 beacon value). */
function parseParams(
  bytes: Buffer,
  zkeyPath: string,
  index: number,
): { name?: string; iterationsExp?: number; beaconHash?: string } {
  const found: { name?: string; iterationsExp?: number; beaconHash?: string } = {};
  let position = 0;
  const byte = (): number => {
    const value = bytes[position++];
    if (value === undefined) throw new Error(`${zkeyPath}: contribution #${index + 1}'s parameters end early`);
    return value;
  };
  while (position < bytes.length) {
    const type = byte();
    if (type === 1) {
      const length = byte();
      found.name = bytes.subarray(position, position + length).toString("utf8");
      position += length;
    } else if (type === 2) {
      found.iterationsExp = byte();
    } else if (type === 3) {
      const length = byte();
      found.beaconHash = bytes.subarray(position, position + length).toString("hex");
      position += length;
    } else {
      throw new Error(`${zkeyPath}: contribution #${index + 1} has an unknown parameter ${type}`);
    }
  }
  return found;
}
