import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import path from "node:path";

import { JsonRpcProvider, Network } from "ethers";
import type { HardhatUserConfig, NetworkUserConfig } from "hardhat/types/config";
import { createHardhatRuntimeEnvironment } from "hardhat/hre";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import userConfig from "../../hardhat.config.js";

export const ROOT = path.resolve(import.meta.dirname, "../..");
/**
 * Where the task tests build with the production profile: apart from
 * artifacts/, so that the rest of the test run keeps the default profile's
 * artifacts, and under cache/ so that the (slow, viaIR) build is cached
 * between runs.
 */
export const PRODUCTION_BUILD = path.join(ROOT, "cache", "production-test");

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** A `hardhat node` child process serving one of the simulated networks over http. */
export interface LocalNode {
  readonly url: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts `npx hardhat node --network <simulated> --hostname <host> --port <port>`
 * (the simulated network's chain id and interval mining) and waits until it
 * answers eth_chainId.
 */
export async function startNode(network: string, host = "127.0.0.1"): Promise<LocalNode> {
  const port = await freePort();
  // Its own process group: npx runs the node as a grandchild, which a signal to npx alone would leave running
  // (holding this process's pipes open, so that the test run never exits).
  const child = spawn("npx", ["hardhat", "node", "--network", network, "--hostname", host, "--port", String(port)], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://${host}:${port}`;
  const provider = new JsonRpcProvider(url, new Network("node", 1n), { staticNetwork: true });
  const deadline = Date.now() + 120_000;
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`hardhat node ${network} exited: ${output}`);
      try {
        await provider.send("eth_chainId", []);
        break;
      } catch (error) {
        if (Date.now() > deadline)
          throw new Error(`hardhat node ${network} did not answer at ${url}: ${output}`, { cause: error });
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  } finally {
    provider.destroy();
  }
  return {
    url,
    process: child,
    async stop() {
      if (child.exitCode !== null || child.pid === undefined) return;
      const exited = once(child, "exit");
      process.kill(-child.pid, "SIGTERM");
      await exited;
    },
  };
}

/**
 * A Hardhat runtime as `npx hardhat --network <network>` would make it, with
 * the network's URL pointed at a test node (and other fields overridden), the
 * Ignition folder in `ignitionDir` and the production build apart.
 */
export async function taskRuntime(
  network: string,
  options: { ignitionDir: string; override?: Partial<NetworkUserConfig> & Record<string, unknown> },
): Promise<HardhatRuntimeEnvironment> {
  const networks = { ...(userConfig.networks ?? {}) };
  const base = networks[network];
  if (base !== undefined && options.override !== undefined) {
    networks[network] = { ...base, ...options.override } as NetworkUserConfig;
  }
  const config: HardhatUserConfig = {
    ...userConfig,
    networks,
    paths: {
      ...userConfig.paths,
      ignition: options.ignitionDir,
      artifacts: path.join(PRODUCTION_BUILD, "artifacts"),
      cache: path.join(PRODUCTION_BUILD, "cache"),
    },
  };
  return createHardhatRuntimeEnvironment(config, { network }, ROOT);
}

/** Runs a task, returning what it printed. */
export async function runTask(
  hre: HardhatRuntimeEnvironment,
  name: string,
  args: Record<string, unknown> = {},
): Promise<string> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...parts: unknown[]) => {
    lines.push(parts.map(String).join(" "));
  };
  try {
    await hre.tasks.getTask(name).run(args);
  } finally {
    console.log = log;
  }
  return lines.join("\n");
}

/** The error a promise rejects with (a test fails when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw error;
  }
  throw new Error("expected a rejection");
}

/** Runs `npx hardhat <args>` in the project; returns its exit code and output. */
export async function hardhatCli(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<{ code: number | null; output: string }> {
  const child = spawn("npx", ["hardhat", ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, output };
}
