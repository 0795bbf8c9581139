import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import path from "node:path";

export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** sha256 of a file, streamed: ptau and zkey files are tens of megabytes. */
export async function sha256File(filePath: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(filePath)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === "ENOENT";
}

export async function fileExists(filePath: string): Promise<boolean> {
  try {
    await stat(filePath);
    return true;
  } catch (error) {
    // Only "not there" means false; anything else (permissions, I/O) is a real failure.
    if (isNotFound(error)) return false;
    throw error;
  }
}

export async function allFilesExist(paths: readonly string[]): Promise<boolean> {
  for (const file of paths) if (!(await fileExists(file))) return false;
  return true;
}

/** The file's text, or undefined if it does not exist. */
export async function readTextIfExists(filePath: string): Promise<string | undefined> {
  try {
    return await readFile(filePath, "utf8");
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * Writes through a temporary file and a rename, so that a build killed half
 * way never leaves a truncated file that a later run would take for complete.
 * The temporary name is unique per write: two callers in one process may
 * install the same file at once.
 */
export async function writeFileAtomic(filePath: string, content: string | Uint8Array): Promise<void> {
  await mkdir(path.dirname(filePath), { recursive: true });
  const temporary = `${filePath}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(temporary, content);
  await rename(temporary, filePath);
}

/** Writes only when the content differs, so that unchanged files keep their mtime. Returns whether it wrote. */
export async function writeFileIfChanged(filePath: string, content: string): Promise<boolean> {
  if ((await readTextIfExists(filePath)) === content) return false;
  await writeFileAtomic(filePath, content);
  return true;
}

/** A cache manifest: JSON, or undefined when missing (a missing manifest just means "not built yet"). */
export async function readManifest<T>(filePath: string): Promise<T | undefined> {
  const text = await readTextIfExists(filePath);
  return text === undefined ? undefined : (JSON.parse(text) as T);
}

export async function writeManifest(filePath: string, value: unknown): Promise<void> {
  await writeFileAtomic(filePath, JSON.stringify(value, null, 2) + "\n");
}
