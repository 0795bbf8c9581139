import { open, type FileHandle } from "node:fs/promises";

// Readers for the headers of iden3's binary files (.r1cs, .ptau). The caches
// need a handful of numbers from them (constraint count, ptau power); reading
// the header directly avoids snarkjs loading the whole file and starting its
// curve worker threads just for that.
//
// Layout (all little-endian): 4-byte magic, u32 version, u32 section count,
// then each section as u32 type, u64 byte size, data.

async function readExactly(file: FileHandle, position: number, length: number, what: string): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await file.read(buffer, 0, length, position);
  if (bytesRead !== length) throw new Error(`${what}: file ends early (truncated?)`);
  return buffer;
}

/** Where a section's data starts (after its header) and how long it is. */
interface Section {
  offset: number;
  size: number;
}

/** Sections by type; the first occurrence of each. */
async function readSections(file: FileHandle, filePath: string, magic: string): Promise<Map<number, Section>> {
  const head = await readExactly(file, 0, 12, filePath);
  const found = head.toString("latin1", 0, 4);
  if (found !== magic) throw new Error(`${filePath}: not a .${magic} file (starts with "${found}")`);
  const count = head.readUInt32LE(8);
  const sizeOnDisk = (await file.stat()).size;
  const sections = new Map<number, Section>();
  let position = 12;
  for (let i = 0; i < count; i++) {
    const sectionHead = await readExactly(file, position, 12, filePath);
    const type = sectionHead.readUInt32LE(0);
    const size = Number(sectionHead.readBigUInt64LE(4));
    if (!sections.has(type)) sections.set(type, { offset: position + 12, size });
    position += 12 + size;
    if (position > sizeOnDisk)
      throw new Error(`${filePath}: section ${type} runs past the end of the file (truncated?)`);
  }
  return sections;
}

export interface R1csHeader {
  nWires: number;
  nOutputs: number;
  nPubInputs: number;
  nPrvInputs: number;
  nConstraints: number;
}

export async function readR1csHeader(filePath: string): Promise<R1csHeader> {
  const file = await open(filePath, "r");
  try {
    const sections = await readSections(file, filePath, "r1cs");
    const offset = sections.get(1)?.offset;
    if (offset === undefined) throw new Error(`${filePath}: no header section`);
    const n8 = (await readExactly(file, offset, 4, filePath)).readUInt32LE(0);
    // After the prime (n8 bytes): nWires, nPubOut, nPubIn, nPrvIn (u32), nLabels (u64), nConstraints (u32).
    const fields = await readExactly(file, offset + 4 + n8, 28, filePath);
    return {
      nWires: fields.readUInt32LE(0),
      nOutputs: fields.readUInt32LE(4),
      nPubInputs: fields.readUInt32LE(8),
      nPrvInputs: fields.readUInt32LE(12),
      nConstraints: fields.readUInt32LE(24),
    };
  } finally {
    await file.close();
  }
}

export interface PtauHeader {
  /** The file serves circuits whose domain is at most 2^power. */
  power: number;
  /** Whether `prepare phase2` ran (section 12, the Lagrange bases Groth16 setup reads). */
  preparedForPhase2: boolean;
}

export async function readPtauHeader(filePath: string): Promise<PtauHeader> {
  const file = await open(filePath, "r");
  try {
    const sections = await readSections(file, filePath, "ptau");
    const offset = sections.get(1)?.offset;
    if (offset === undefined) throw new Error(`${filePath}: no header section`);
    const n8 = (await readExactly(file, offset, 4, filePath)).readUInt32LE(0);
    const power = (await readExactly(file, offset + 4 + n8, 4, filePath)).readUInt32LE(0);
    return { power, preparedForPhase2: sections.has(12) };
  } finally {
    await file.close();
  }
}

/** The Groth16 header of a .zkey: what ties it to a circuit, and its delta (which every phase-2 contribution changes). */
export interface ZkeyHeader {
  /** Witness length: the r1cs's nWires. */
  nVars: number;
  /** Public signals (outputs and public inputs). */
  nPublic: number;
  domainSize: number;
}

/** The zkey's section 1 value for Groth16 (snarkjs zkey_constants). */
const GROTH16_PROTOCOL_ID = 1;

export async function readZkeyHeader(filePath: string): Promise<ZkeyHeader> {
  const file = await open(filePath, "r");
  try {
    const sections = await readSections(file, filePath, "zkey");
    const protocol = sections.get(1)?.offset;
    const header = sections.get(2)?.offset;
    if (protocol === undefined || header === undefined) throw new Error(`${filePath}: no zkey header section`);
    const protocolId = (await readExactly(file, protocol, 4, filePath)).readUInt32LE(0);
    if (protocolId !== GROTH16_PROTOCOL_ID) throw new Error(`${filePath}: not a Groth16 zkey (protocol ${protocolId})`);
    // n8q, q (n8q bytes), n8r, r (n8r bytes), nVars, nPublic, domainSize (u32 each).
    const n8q = (await readExactly(file, header, 4, filePath)).readUInt32LE(0);
    const n8r = (await readExactly(file, header + 4 + n8q, 4, filePath)).readUInt32LE(0);
    const fields = await readExactly(file, header + 8 + n8q + n8r, 12, filePath);
    return { nVars: fields.readUInt32LE(0), nPublic: fields.readUInt32LE(4), domainSize: fields.readUInt32LE(8) };
  } finally {
    await file.close();
  }
}

/** The raw data of one section of an iden3 binary file (for the small ones: a zkey's phase-2 parameters). */
export async function readSection(filePath: string, magic: string, type: number): Promise<Buffer> {
  const file = await open(filePath, "r");
  try {
    const section = (await readSections(file, filePath, magic)).get(type);
    if (section === undefined) throw new Error(`${filePath}: no section ${type}`);
    return await readExactly(file, section.offset, section.size, filePath);
  } finally {
    await file.close();
  }
}
