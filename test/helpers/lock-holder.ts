// Holds a circuit-cache lock in a process of its own, for test/circuits/lock.test.ts:
//   node --import tsx test/helpers/lock-holder.ts <lockPath> <holdMs> <staleMs>
// Prints "acquired <epoch ms>" once it holds the lock and "released <epoch ms>" as its body ends.
import { pathToFileURL } from "node:url";

import { withLock } from "../../off-chain/circuits/lock.js";

const quiet = { work: () => undefined, detail: () => undefined };

// Only as a script: the test runner may import every file under test/.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [lockPath, holdMs, staleMs] = process.argv.slice(2);
  if (lockPath === undefined || holdMs === undefined || staleMs === undefined) {
    throw new Error("usage: lock-holder.ts <lockPath> <holdMs> <staleMs>");
  }
  await withLock(
    lockPath,
    "holding the lock for a test",
    quiet,
    async () => {
      console.log(`acquired ${Date.now()}`);
      await new Promise((resolve) => setTimeout(resolve, Number(holdMs)));
      console.log(`released ${Date.now()}`);
    },
    { staleMs: Number(staleMs) },
  );
}
