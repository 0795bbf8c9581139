import { openStore, type OpenDatabaseOptions, type Store } from "../../db/database.js";
import { SEQUENCER_MIGRATIONS } from "./migrations.js";
import type { SequencerDatabase } from "./schema.js";

export type SequencerStore = Store<SequencerDatabase>;

/** Opens the sequencer's database (PostgreSQL by URL, else PGlite in dataDir) and migrates it. */
export function openSequencerDatabase(options: OpenDatabaseOptions): Promise<SequencerStore> {
  return openStore<SequencerDatabase>(
    { service: "sequencer", lockFile: "zkpow-sequencer.lock", migrations: SEQUENCER_MIGRATIONS },
    options,
  );
}
