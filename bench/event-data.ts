// What carrying the posted batch bytes in an event would cost the sequencer, measured on Hardhat's simulated EVM
// (docs/miner.md, "Where a miner finds the data"): the same calldata to a function that emits it and to one that
// does not, for the test circuit's batches and the production configuration's.
//
//   npm run bench:event-data     (writes bench/results/event-data.json)
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

import { network } from "hardhat";

import { batchBytes } from "../off-chain/l2/index.js";
import { describeMachine } from "./machine.js";

const RESULTS = fileURLToPath(new URL("./results/event-data.json", import.meta.url));

/** Batches of full batches for (batch size, tree depth): the test circuit and the production configuration. */
const CASES = [
  { name: "b2d4", batchSize: 2, treeDepth: 4, batches: [1, 8] },
  { name: "b128d24", batchSize: 128, treeDepth: 24, batches: [1, 8] },
] as const;

type Row = { bytes: number; without_event: number; with_event: number; extra_per_byte: number };
const rows: Record<string, Row> = {};
// Prague prices calldata with EIP-7623's floor, under which a call that mostly carries data pays the floor and the
// event's execution is hidden; Cancun shows the event's own execution cost (what it adds to a sequenceBatches whose
// execution is above the floor).
for (const hardfork of ["cancun", "prague"] as const) {
  const { ethers } = await network.create({ override: { hardfork } });
  const harness = await ethers.deployContract("EventDataHarness");
  for (const { name, batchSize, treeDepth, batches } of CASES)
    for (const count of batches) {
      const bytes = batchBytes(batchSize, treeDepth);
      // Non-zero bytes, as posted signatures mostly are.
      const data = Array.from({ length: count }, (_, i) => ethers.hexlify(new Uint8Array(bytes).fill(0x5a + i)));
      const without = Number(await harness.postWithoutEvent.estimateGas(data));
      const withEvent = Number(await harness.postWithEvent.estimateGas(data));
      rows[`${hardfork}_${name}_${count}_batches`] = {
        bytes: bytes * count,
        without_event: without,
        with_event: withEvent,
        extra_per_byte: Math.round(((withEvent - without) / (bytes * count)) * 100) / 100,
      };
    }
}
console.table(rows);
await writeFile(
  RESULTS,
  JSON.stringify(
    {
      what: "gas of a call carrying the batches, with and without emitting them in an event (estimateGas)",
      machine: describeMachine(),
      cases: rows,
    },
    null,
    2,
  ) + "\n",
);
console.log(`wrote ${RESULTS}`);
