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

/** Offsets (of the data, after the section header) by section type; the first occurrence of each. */
async function readSections(file: FileHandle, filePath: string, magic: string): Promise<Map<number, number>> {
  const head = await readExactly(file, 0, 12, filePath);
  const found = head.toString("latin1", 0, 4);
  if (found !== magic) throw new Error(`${filePath}: not a .${magic} file (starts with "${found}")`);
  const count = head.readUInt32LE(8);
  const sizeOnDisk = (await file.stat()).size;
  const sections = new Map<number, number>();
  let position = 12;
  for (let i = 0; i < count; i++) {
    const sectionHead = await readExactly(file, position, 12, filePath);
    const type = sectionHead.readUInt32LE(0);
    const size = Number(sectionHead.readBigUInt64LE(4));
    if (!sections.has(type)) sections.set(type, position + 12);
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
    const offset = sections.get(1);
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
    const offset = sections.get(1);
    if (offset === undefined) throw new Error(`${filePath}: no header section`);
    const n8 = (await readExactly(file, offset, 4, filePath)).readUInt32LE(0);
    const power = (await readExactly(file, offset + 4 + n8, 4, filePath)).readUInt32LE(0);
    return { power, preparedForPhase2: sections.has(12) };
  } finally {
    await file.close();
  }
}
