import { readFile } from "node:fs/promises";

import type { L2Crypto } from "./crypto.js";
import { L2State, type GenesisAccount } from "./state.js";

/**
 * The L2 genesis a deployment publishes: the rollup's chain id, the state
 * tree's depth and the accounts at indices 0, 1, … (nonce 0). Its root is the
 * rollup contract's genesis state root; a miner needs it and the base chain,
 * nothing else. Numbers are decimal strings in the file (JSON has no bigints).
 */
export interface Genesis {
  readonly chainId: bigint;
  readonly treeDepth: number;
  readonly accounts: readonly GenesisAccount[];
}

/** A genesis file that cannot be read; the message names the file and the field. */
export class GenesisError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GenesisError";
  }
}

function bigintField(value: unknown, where: string): bigint {
  if (typeof value !== "string" || !/^\d+$/.test(value)) {
    throw new GenesisError(`${where} must be a decimal string, got ${JSON.stringify(value)}`);
  }
  return BigInt(value);
}

/** Parses and checks a genesis (`source` names where it came from, for errors). */
export function parseGenesis(text: string, source: string): Genesis {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new GenesisError(`${source}: not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof json !== "object" || json === null) throw new GenesisError(`${source}: not a JSON object`);
  const record = json as Record<string, unknown>;
  const treeDepth = record.treeDepth;
  if (typeof treeDepth !== "number" || !Number.isInteger(treeDepth)) {
    throw new GenesisError(`${source}: treeDepth must be an integer, got ${JSON.stringify(treeDepth)}`);
  }
  if (!Array.isArray(record.accounts)) throw new GenesisError(`${source}: accounts must be an array`);
  const accounts = record.accounts.map((entry: unknown, i): GenesisAccount => {
    const where = `${source}: accounts[${i}]`;
    const account = (typeof entry === "object" && entry !== null ? entry : {}) as Record<string, unknown>;
    const key = (
      typeof account.publicKey === "object" && account.publicKey !== null ? account.publicKey : {}
    ) as Record<string, unknown>;
    return {
      publicKey: { x: bigintField(key.x, `${where}.publicKey.x`), y: bigintField(key.y, `${where}.publicKey.y`) },
      balance: bigintField(account.balance, `${where}.balance`),
    };
  });
  return { chainId: bigintField(record.chainId, `${source}: chainId`), treeDepth, accounts };
}

/** The genesis as a file's text. */
export function formatGenesis(genesis: Genesis): string {
  return (
    JSON.stringify(
      {
        chainId: genesis.chainId.toString(),
        treeDepth: genesis.treeDepth,
        accounts: genesis.accounts.map((account) => ({
          publicKey: { x: account.publicKey.x.toString(), y: account.publicKey.y.toString() },
          balance: account.balance.toString(),
        })),
      },
      null,
      2,
    ) + "\n"
  );
}

export async function readGenesis(file: string): Promise<Genesis> {
  return parseGenesis(await readFile(file, "utf8"), file);
}

/** The genesis state; a key or balance the L2 refuses is an error naming the file's account. */
export function genesisState(crypto: L2Crypto, genesis: Genesis, source = "genesis"): L2State {
  try {
    return L2State.genesis(crypto, genesis.treeDepth, genesis.accounts);
  } catch (error) {
    throw new GenesisError(`${source}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
