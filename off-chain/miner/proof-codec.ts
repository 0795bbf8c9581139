import type { SequenceProof } from "../prover/index.js";

/** A SequenceProof as JSON stores it: field elements as decimal strings. */
export interface StoredSequenceProof {
  readonly oldStateRoot: string;
  readonly newStateRoots: readonly string[];
  readonly proofs: readonly { a: string[]; b: string[][]; c: string[] }[];
}

export function encodeSequenceProof(proof: SequenceProof): StoredSequenceProof {
  return {
    oldStateRoot: proof.oldStateRoot.toString(),
    newStateRoots: proof.newStateRoots.map(String),
    proofs: proof.proofs.map((p) => ({ a: p.a.map(String), b: p.b.map((row) => row.map(String)), c: p.c.map(String) })),
  };
}

/** Reads a stored SequenceProof back; a row of another shape is an error naming what is wrong. */
export function decodeSequenceProof(stored: unknown, where: string): SequenceProof {
  const value = stored as Partial<StoredSequenceProof> | null;
  if (value === null || typeof value.oldStateRoot !== "string" || !Array.isArray(value.newStateRoots)) {
    throw new Error(`${where}: the stored final proof is not a SequenceProof`);
  }
  const pair = (values: readonly string[] | undefined): [bigint, bigint] => {
    if (values?.length !== 2) throw new Error(`${where}: a stored proof point does not have two coordinates`);
    return [BigInt(values[0] ?? ""), BigInt(values[1] ?? "")];
  };
  return {
    oldStateRoot: BigInt(value.oldStateRoot),
    newStateRoots: value.newStateRoots.map((root: string) => BigInt(root)),
    proofs: (value.proofs ?? []).map((p) => ({ a: pair(p.a), b: [pair(p.b[0]), pair(p.b[1])], c: pair(p.c) })),
  };
}

/** jsonb comes back parsed from both backends; a string (inserted as JSON text) is parsed here. */
export function parseJson(value: unknown): unknown {
  return typeof value === "string" ? (JSON.parse(value) as unknown) : value;
}
