import { mkdir, open, readdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { inspect } from "node:util";

import { PGlite } from "@electric-sql/pglite";
import {
  CompiledQuery,
  Kysely,
  OperationNodeTransformer,
  PostgresDialect,
  PrimitiveValueListNode,
  ValueNode,
  sql,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from "kysely";
import pg from "pg";

import { claimantId, claimantMayBeAlive } from "./claimant.js";
import { migrateToLatest, type Migrations } from "./migrate.js";
import { PGliteDialect } from "./pglite-dialect.js";

/** An open database of one service, migrated to the latest schema. */
export interface Store<DB> {
  readonly db: Kysely<DB>;
  readonly backend: "pglite" | "postgres";
  /** The PGlite directory or the PostgreSQL URL (without its password), for logs. */
  readonly where: string;
  /** Closes the database; calling it again does nothing. */
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** A postgres:// or postgresql:// URL (e.g. DATABASE_URL); wins over dataDir. */
  url?: string;
  /** The embedded PGlite database's directory, created if missing; required without url. */
  dataDir?: string;
  /** The schema to keep the tables in (created if missing), e.g. one per test run. */
  schema?: string;
  /** PostgreSQL only: an error of an idle pooled connection (the pool drops it); the default warns on stderr. */
  onPoolError?: (error: Error) => void;
}

/** Which service's database: its schema's migrations, and names for errors and the PGlite lock file. */
export interface StoreKind {
  /** The service, in messages ("the miner's database"). */
  readonly service: string;
  /** The lock file's name in a PGlite directory. */
  readonly lockFile: string;
  readonly migrations: Migrations;
}

const INT8 = 20;
const BYTEA = 17;

/**
 * Opens a service's database and migrates it: PostgreSQL when a URL is given,
 * else embedded PGlite in `dataDir`. Both return the same JavaScript types:
 * int8 as bigint, bytea as Uint8Array, jsonb parsed, timestamptz as Date.
 * JSON parameters (arrays and plain objects) are sent as JSON text on both,
 * with bigints inside them as decimal strings.
 */
export async function openStore<DB>(kind: StoreKind, options: OpenDatabaseOptions): Promise<Store<DB>> {
  if (options.schema !== undefined) checkSchemaName(options.schema);
  if (options.url !== undefined) return openPostgres<DB>(kind, options.url, options);
  if (options.dataDir === undefined) {
    throw new Error(`the ${kind.service}'s database needs a PostgreSQL URL or a PGlite data directory (dataDir)`);
  }
  return openPGlite<DB>(kind, path.resolve(options.dataDir), options.schema);
}

/** Whether an error is a PostgreSQL unique violation (a duplicate natural key), on either backend. */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && "code" in error && error.code === "23505";
}

function checkSchemaName(schema: string): void {
  // Restricted to plain identifiers so that the name needs no quoting rules anywhere it is used.
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`invalid schema name ${JSON.stringify(schema)}: use lowercase letters, digits and _`);
  }
}

async function openPostgres<DB>(kind: StoreKind, url: string, options: OpenDatabaseOptions): Promise<Store<DB>> {
  const target = describePostgresUrl(url);
  const where = options.schema === undefined ? target.where : `${target.where} (schema ${options.schema})`;
  const pool = new pg.Pool({
    connectionString: url,
    // Per pool, not the global pg.types, so that other pg users in the process keep their parsers.
    types: { getTypeParser: postgresTypeParser },
  });
  pool.on(
    "error",
    options.onPoolError ??
      ((error) => {
        process.emitWarning(`PostgreSQL at ${where}: ${error.message}`);
      }),
  );
  const schema = options.schema;
  const db = new Kysely<DB>({
    dialect: new PostgresDialect({
      pool,
      onCreateConnection:
        schema === undefined
          ? undefined
          : async (connection) => {
              // checkSchemaName allows only plain identifiers, so quoting it is enough.
              await connection.executeQuery(CompiledQuery.raw(`set search_path to "${schema}"`));
            },
    }),
    plugins: [new JsonParametersPlugin()],
  });
  const store = closable(db, "postgres", where);
  try {
    try {
      const client = await pool.connect();
      client.release();
    } catch (error) {
      throw new Error(`cannot connect to PostgreSQL at ${target.server}: ${errorMessage(error)}`, { cause: error });
    }
    if (schema !== undefined) await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
    await migrateToLatest(db, kind.migrations, kind.service);
    return store;
  } catch (error) {
    await store.close();
    throw error;
  }
}

// pg's own parsers, looked up by a plain number (its typings want the TypeId enum).
const builtinParser: (oid: number, format?: "text" | "binary") => unknown = pg.types.getTypeParser;

function postgresTypeParser(oid: number, format?: "text" | "binary"): (value: string) => unknown {
  if (oid === INT8) return (value) => BigInt(value);
  const parse = builtinParser(oid, format) as (value: string) => unknown;
  // pg returns a Buffer; PGlite a plain Uint8Array. A view over the Buffer's bytes is the latter, uncopied.
  if (oid === BYTEA) {
    return (value) => {
      const buffer = parse(value) as Buffer;
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    };
  }
  return parse;
}

/** What to print of a PostgreSQL URL: never its password. */
function describePostgresUrl(url: string): { where: string; server: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error("the PostgreSQL URL is not a URL (expected postgres://user@host:port/database)");
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
    throw new Error(`the PostgreSQL URL must start with postgres:// or postgresql://, not ${parsed.protocol}//`);
  }
  parsed.password = "";
  parsed.searchParams.delete("password");
  const user = decodeURIComponent(parsed.username) || "the default user";
  const host = parsed.searchParams.get("host") ?? (parsed.hostname || "localhost");
  const port = parsed.port || "5432";
  const database = decodeURIComponent(parsed.pathname.slice(1)) || "the user's database";
  return { where: parsed.toString(), server: `${host}:${port}, database ${database} as ${user}` };
}

async function openPGlite<DB>(kind: StoreKind, dataDir: string, schema: string | undefined): Promise<Store<DB>> {
  await mkdir(dataDir, { recursive: true });
  await checkPGliteDir(dataDir, kind.lockFile);
  const unlock = await lockDataDir(dataDir, kind.lockFile);
  let pglite: PGlite;
  try {
    pglite = await PGlite.create({ dataDir, parsers: { [INT8]: (value: string) => BigInt(value) } });
  } catch (error) {
    await unlock();
    throw new Error(`cannot open the PGlite database in ${dataDir}: ${errorMessage(error)}`, { cause: error });
  }
  const db = new Kysely<DB>({
    dialect: new PGliteDialect(pglite),
    plugins: [new JsonParametersPlugin()],
  });
  const store = closable(db, "pglite", dataDir, unlock);
  try {
    if (schema !== undefined) {
      await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
      // One session for the instance's life, so setting it once covers every query.
      await sql`set search_path to ${sql.id(schema)}`.execute(db);
    }
    await migrateToLatest(db, kind.migrations, kind.service);
    return store;
  } catch (error) {
    await store.close();
    throw error;
  }
}

/**
 * PGlite happily initialises a database into any directory, junk included,
 * so a non-empty directory without PG_VERSION is refused rather than mixed into.
 */
async function checkPGliteDir(dataDir: string, lockFile: string): Promise<void> {
  const entries = (await readdir(dataDir)).filter((entry) => entry !== lockFile);
  if (entries.length === 0 || entries.includes("PG_VERSION")) return;
  throw new Error(
    `${dataDir} is not a PGlite database (no PG_VERSION; it holds ${entries.slice(0, 3).join(", ")}${entries.length > 3 ? ", ..." : ""}): give an empty or new directory`,
  );
}

/** Data directories this process has open: a lock file naming this process is stale unless listed here. */
const openDirs = new Set<string>();

/**
 * PGlite does not lock its directory, and two processes writing one database
 * corrupt it; a lock file naming the owner (a claimant string) refuses the
 * second opener. A lock whose owner is certainly gone is taken over.
 */
async function lockDataDir(dataDir: string, lockFile: string): Promise<() => Promise<void>> {
  const lockPath = path.join(dataDir, lockFile);
  const me = claimantId();
  if (openDirs.has(dataDir)) throw new Error(`the PGlite database in ${dataDir} is already open in this process`);
  for (let attempt = 0; ; attempt++) {
    try {
      const file = await open(lockPath, "wx");
      await file.writeFile(`${me}\n`);
      await file.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const owner = (await readFile(lockPath, "utf8")).trim();
    // A second EEXIST: another process took over the same stale lock first.
    if (attempt > 0 || (owner !== me && claimantMayBeAlive(owner))) {
      throw new Error(
        `the PGlite database in ${dataDir} is in use by ${owner} (lock file ${lockPath}); stop that process first, or delete the lock file if it is gone`,
      );
    }
    await rm(lockPath, { force: true });
  }
  openDirs.add(dataDir);
  return async () => {
    openDirs.delete(dataDir);
    await rm(lockPath, { force: true });
  };
}

function closable<DB>(
  db: Kysely<DB>,
  backend: Store<DB>["backend"],
  where: string,
  after?: () => Promise<void>,
): Store<DB> {
  let closing: Promise<void> | undefined;
  return {
    db,
    backend,
    where,
    close: () => {
      closing ??= (async () => {
        await db.destroy();
        await after?.();
      })();
      return closing;
    },
  };
}

function errorMessage(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return error.errors.map(errorMessage).join("; ");
  return error instanceof Error ? error.message || error.name : inspect(error);
}

/**
 * Sends arrays and plain objects as JSON text. pg would send a JavaScript
 * array as a PostgreSQL array literal, which a jsonb column refuses, while
 * PGlite serialises by the parameter's type; JSON text means the same to both.
 * The services' schemas have no array columns, so no array is meant otherwise.
 */
class JsonParametersPlugin implements KyselyPlugin {
  readonly #transformer = new JsonParametersTransformer();

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.#transformer.transformNode(args.node, args.queryId);
  }

  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(args.result);
  }
}

class JsonParametersTransformer extends OperationNodeTransformer {
  protected override transformValue(node: ValueNode): ValueNode {
    return isJson(node.value) ? ValueNode.create(toJsonText(node.value)) : node;
  }

  protected override transformPrimitiveValueList(node: PrimitiveValueListNode): PrimitiveValueListNode {
    if (!node.values.some(isJson)) return node;
    return PrimitiveValueListNode.create(node.values.map((value) => (isJson(value) ? toJsonText(value) : value)));
  }
}

function isJson(value: unknown): boolean {
  if (Array.isArray(value)) return true;
  if (typeof value !== "object" || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function toJsonText(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === "bigint" ? item.toString() : item));
}
