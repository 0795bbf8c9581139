import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";

import { L2Key } from "../l2/index.js";

/** An L2 key file: the 32-byte private key and, for a genesis, the public key it derives. */
export interface KeyFile {
  readonly version: 1;
  readonly privateKey: string;
  readonly publicKey: { readonly x: string; readonly y: string };
}

/** A key file that cannot be written or read; the message names the file. */
export class KeyFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KeyFileError";
  }
}

/**
 * Writes a new random L2 key to `file`, readable by its owner only (mode
 * 0600); refuses to overwrite a file, since that would lose an account.
 */
export async function createKeyFile(file: string): Promise<L2Key> {
  const secret = randomBytes(32);
  const key = new L2Key(secret);
  const content: KeyFile = {
    version: 1,
    privateKey: "0x" + secret.toString("hex"),
    publicKey: { x: key.publicKey.x.toString(), y: key.publicKey.y.toString() },
  };
  try {
    await writeFile(file, JSON.stringify(content, null, 2) + "\n", { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") {
      throw new KeyFileError(`${file} exists: a new key would replace its account's key (choose another file)`);
    }
    throw new KeyFileError(`cannot write ${file}: ${(error as Error).message}`);
  }
  return key;
}

export async function readKeyFile(file: string): Promise<L2Key> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new KeyFileError(`cannot read the key file ${file}: ${(error as Error).message}`);
  }
  const privateKey = (json as Partial<KeyFile> | null)?.privateKey;
  if (typeof privateKey !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(privateKey)) {
    throw new KeyFileError(`${file}: privateKey must be 0x and 64 hex digits`);
  }
  const key = new L2Key(Buffer.from(privateKey.slice(2), "hex"));
  const stated = (json as Partial<KeyFile>).publicKey;
  if (stated !== undefined && (stated.x !== key.publicKey.x.toString() || stated.y !== key.publicKey.y.toString())) {
    throw new KeyFileError(`${file}: publicKey is not the private key's (the file was edited?)`);
  }
  return key;
}
