export { openStore, isUniqueViolation, type Store, type StoreKind, type OpenDatabaseOptions } from "./database.js";
export { migrateToLatest, type Migrations } from "./migrate.js";
export { PGliteDialect } from "./pglite-dialect.js";
export { claimantId, claimantMayBeAlive, parseClaimant } from "./claimant.js";
