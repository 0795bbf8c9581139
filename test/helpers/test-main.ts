import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

import * as snarkjs from "snarkjs";

import { circuitsCacheRoot, REPO_ROOT } from "../../off-chain/circuits/index.js";
import { runCircom2 } from "../../off-chain/circuits/compile.js";
import { sha256Hex } from "../../off-chain/circuits/files.js";

const MAINS_DIR = path.join(REPO_ROOT, "test", "circuits", "mains");

/**
 * Compiles a thin test main from test/circuits/mains/ to wasm (no setup: these
 * circuits are only ever evaluated), cached by the hash of every circuit source.
 */
async function compileMain(name: string): Promise<string> {
  const sources = [path.join(MAINS_DIR, `${name}.circom`)];
  const lib = path.join(REPO_ROOT, "circuits", "lib");
  for (const file of (await readdir(lib)).sort()) sources.push(path.join(lib, file));
  const key = sha256Hex((await Promise.all(sources.map((file) => readFile(file, "utf8")))).join("\n"));
  const dir = path.join(circuitsCacheRoot(), "test-mains", name);
  const wasmPath = path.join(dir, `${name}_js`, `${name}.wasm`);
  const stamp = path.join(dir, "key");
  const cached = await readFile(stamp, "utf8").catch(() => "");
  if (cached !== key) {
    await mkdir(dir, { recursive: true });
    const quiet = { work: () => undefined, detail: () => undefined };
    await runCircom2(
      [
        path.relative(REPO_ROOT, sources[0] ?? ""),
        "--wasm",
        "--O2",
        "-l",
        "circuits",
        "-l",
        "node_modules",
        "-o",
        path.relative(REPO_ROOT, dir),
      ],
      quiet,
    );
    await writeFile(stamp, key);
  }
  return wasmPath;
}

const compiled = new Map<string, Promise<string>>();

/** The outputs of a test main for an input (the witness's signals 1..outputs). */
export async function evaluateMain(name: string, input: snarkjs.CircuitInput, outputs = 1): Promise<bigint[]> {
  let wasmPath = compiled.get(name);
  if (wasmPath === undefined) {
    wasmPath = compileMain(name);
    compiled.set(name, wasmPath);
  }
  const wtns = { type: "mem" as const };
  await snarkjs.wtns.calculate(input, await wasmPath, wtns);
  const witness = await snarkjs.wtns.exportJson(wtns);
  return witness.slice(1, 1 + outputs);
}
