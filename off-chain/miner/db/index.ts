export { openDatabase, isUniqueViolation, type MinerStore, type OpenDatabaseOptions } from "./database.js";
export { migrateToLatest, MIGRATIONS } from "./migrations.js";
export { PGliteDialect } from "../../db/pglite-dialect.js";
export { claimProofTask, requeueAbandonedTasks, claimantId, claimantMayBeAlive, parseClaimant } from "./tasks.js";
export type * from "./schema.js";
