import { inspect } from "node:util";

import { sql, type Kysely } from "kysely";
import { Migrator, type Migration } from "kysely/migration";

/** A service's migrations by name; names sort in the order they run. */
export type Migrations = Readonly<Record<string, Migration>>;

/**
 * Brings the database to the latest schema; running it again does nothing.
 * Each migration runs in a transaction (PostgreSQL's DDL is transactional),
 * so a failed one leaves the schema as it was. Kysely's bookkeeping tables go
 * into the session's current schema, next to the service's tables. The
 * migrations live in code, so that a bundled or installed service needs no
 * migration folder on disk.
 */
export async function migrateToLatest<DB>(db: Kysely<DB>, migrations: Migrations, service: string): Promise<void> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema ?? null;
  if (schema === null) {
    throw new Error(`cannot migrate the ${service}'s database: no current schema (check search_path)`);
  }
  // Without an explicit schema Kysely looks for its table in every schema and
  // may find another schema's, e.g. another miner's in the same database.
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve({ ...migrations }) },
    migrationTableSchema: schema,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error === undefined) return;
  const failed = results?.find((result) => result.status === "Error")?.migrationName;
  const cause = error instanceof Error ? error.message : inspect(error);
  throw new Error(
    failed === undefined
      ? `cannot migrate the ${service}'s database (schema ${schema}): ${cause}`
      : `migration ${failed} of the ${service}'s database (schema ${schema}) failed: ${cause}`,
    { cause: error },
  );
}
