import { openStore, type OpenDatabaseOptions, type Store } from "../../db/database.js";
import { MIGRATIONS } from "./migrations.js";
import type { MinerDatabase } from "./schema.js";

export { isUniqueViolation, type OpenDatabaseOptions } from "../../db/database.js";

/** An open miner database, migrated to the latest schema. */
export type MinerStore = Store<MinerDatabase>;

/** Opens the miner's database (PostgreSQL by URL, else PGlite in dataDir) and migrates it. */
export function openDatabase(options: OpenDatabaseOptions): Promise<MinerStore> {
  return openStore<MinerDatabase>({ service: "miner", lockFile: "zkpow-miner.lock", migrations: MIGRATIONS }, options);
}
