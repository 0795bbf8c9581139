import type { PGlite, Results } from "@electric-sql/pglite";
import {
  AbortedTransactionError,
  IdentifierNode,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  RawNode,
  createQueryId,
  type CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from "kysely";

/**
 * Kysely over an embedded PGlite instance. PGlite is one PostgreSQL session,
 * so the driver hands out its single connection to one user at a time: a
 * second `db.transaction()` (or any query) waits until the first releases it.
 * A consequence: inside a transaction, query through the transaction object,
 * never through the outer `db`, or the query waits for itself forever.
 *
 * The dialect owns the instance: `db.destroy()` closes it.
 */
export class PGliteDialect implements Dialect {
  readonly #pglite: PGlite;

  constructor(pglite: PGlite) {
    this.#pglite = pglite;
  }

  createAdapter(): DialectAdapter {
    return new PostgresAdapter();
  }

  createDriver(): Driver {
    return new PGliteDriver(this.#pglite);
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }

  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }
}

/** A FIFO lock: PGlite has one session, and a transaction must own it from BEGIN to COMMIT. */
class Mutex {
  #locked = false;
  readonly #waiters: (() => void)[] = [];

  async acquire(): Promise<void> {
    if (!this.#locked) {
      this.#locked = true;
      return;
    }
    await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  release(): void {
    const next = this.#waiters.shift();
    if (next === undefined) this.#locked = false;
    else next();
  }
}

const DML_COMMANDS = new Set(["INSERT", "UPDATE", "DELETE", "MERGE"]);

class PGliteConnection implements DatabaseConnection {
  readonly #pglite: PGlite;

  constructor(pglite: PGlite) {
    this.#pglite = pglite;
  }

  /** The statement's full result, for the driver to read the command tag of COMMIT. */
  async run(sql: string, parameters: readonly unknown[] = []): Promise<Results> {
    return this.#pglite.query(sql, [...parameters], { rowMode: "object" });
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.run(compiledQuery.sql, compiledQuery.parameters);
    const command = result.command ?? "";
    return {
      numAffectedRows: DML_COMMANDS.has(command) ? BigInt(result.affectedRows ?? 0) : undefined,
      rows: result.rows as R[],
    };
  }

  // PGlite has no cursors over its API; the rows are in memory already, so stream them in chunks.
  async *streamQuery<R>(compiledQuery: CompiledQuery, chunkSize: number): AsyncIterableIterator<QueryResult<R>> {
    const { rows } = await this.executeQuery<R>(compiledQuery);
    for (let i = 0; i < rows.length; i += chunkSize) yield { rows: rows.slice(i, i + chunkSize) };
  }
}

class PGliteDriver implements Driver {
  readonly #pglite: PGlite;
  readonly #connection: PGliteConnection;
  readonly #mutex = new Mutex();
  #destroyed = false;
  #destroying: Promise<void> | undefined;

  constructor(pglite: PGlite) {
    this.#pglite = pglite;
    this.#connection = new PGliteConnection(pglite);
  }

  async init(): Promise<void> {
    await this.#pglite.waitReady;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#mutex.acquire();
    if (this.#destroyed) {
      this.#mutex.release();
      throw new Error("the PGlite database is closed");
    }
    return this.#connection;
  }

  releaseConnection(): Promise<void> {
    this.#mutex.release();
    return Promise.resolve();
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    let sql = "begin";
    if (settings.isolationLevel !== undefined || settings.accessMode !== undefined) {
      sql = "start transaction";
      if (settings.isolationLevel !== undefined) sql += ` isolation level ${settings.isolationLevel}`;
      if (settings.accessMode !== undefined) sql += ` ${settings.accessMode}`;
    }
    await asPGlite(connection).run(sql);
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    // PostgreSQL answers COMMIT with ROLLBACK when an earlier statement failed the transaction.
    const { command } = await asPGlite(connection).run("commit");
    if (command === "ROLLBACK") throw new AbortedTransactionError();
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await asPGlite(connection).run("rollback");
  }

  async savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler["compileQuery"]): Promise<void> {
    await connection.executeQuery(compile(savepointCommand("savepoint", name), createQueryId()));
  }

  async rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler["compileQuery"],
  ): Promise<void> {
    await connection.executeQuery(compile(savepointCommand("rollback to", name), createQueryId()));
  }

  async releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler["compileQuery"],
  ): Promise<void> {
    await connection.executeQuery(compile(savepointCommand("release", name), createQueryId()));
  }

  destroy(): Promise<void> {
    this.#destroying ??= this.#close();
    return this.#destroying;
  }

  async #close(): Promise<void> {
    // Wait for the query or transaction in flight, so that closing never cuts a commit short.
    await this.#mutex.acquire();
    try {
      this.#destroyed = true;
      if (!this.#pglite.closed) await this.#pglite.close();
    } finally {
      this.#mutex.release();
    }
  }
}

function asPGlite(connection: DatabaseConnection): PGliteConnection {
  if (!(connection instanceof PGliteConnection)) throw new Error("not a PGlite connection");
  return connection;
}

function savepointCommand(command: string, name: string): RawNode {
  // An IdentifierNode, so that the compiler quotes the savepoint's name.
  return RawNode.createWithChildren([RawNode.createWithSql(`${command} `), IdentifierNode.create(name)]);
}
