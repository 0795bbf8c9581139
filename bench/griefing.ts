// Griefing the commit window, measured with real proofs on Hardhat's simulated Ethereum (12 s blocks: T1 = 5
// blocks, T2 = 10).
//
//   npm run bench:griefing       (writes bench/results/griefing.json, a committed snapshot)
//
// Three sequences are posted at once. An honest miner needs PROVING_BLOCKS blocks after posting to prove them
// (concurrently), then commits to each as its commit window allows, reveals as soon as the reveal window opens, and
// commits again to a sequence whose round failed. In the attacked run a staked attacker commits garbage to every
// sequence in the first block it can, opening each round, and never reveals. Every transaction is mined in a block
// of its own (automine). Reported: the blocks from the first posting to the last verification, with and without the
// attack, and what the attack cost the attacker (its stake lost, once every commit is settled).
//
// The script uses only functions both the original contract (ccc8829) and the hardened one have, so that the same
// file measures both.
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

import { network } from "hardhat";

import { proofHash, type SequenceProof } from "../off-chain/prover/index.js";
import {
  closeProver,
  deployTestRollup,
  reveal,
  sequenceProof,
  TOKEN,
  type RollupFixture,
  commitmentArgs,
  proofArgs,
} from "../test/helpers/rollup.js";

const RESULTS = fileURLToPath(new URL("./results/griefing.json", import.meta.url));
/** Blocks the honest miner needs after the first posting before its proofs are ready (144 s at 12 s a block). */
const PROVING_BLOCKS = 12;
/** Calls are checked in the block the transaction would be mined in. */
const PENDING = { blockTag: "pending" } as const;
/** The run ends if nothing is verified by then. */
const MAX_BLOCKS = 400;

interface Outcome {
  readonly blocksToVerifyAll: number;
  readonly verifiedAfter: number[];
  readonly rounds: number[];
  readonly attackerCost: string;
  readonly attackerCostTokens: number;
  readonly honestStakeChange: string;
}

async function succeeds(call: () => Promise<unknown>): Promise<boolean> {
  try {
    await call();
    return true;
  } catch {
    return false;
  }
}

async function run(f: RollupFixture, attack: boolean): Promise<Outcome> {
  const { rollup, helpers } = f;
  const [honest, , attacker] = f.miners;
  if (honest === undefined || attacker === undefined) throw new Error("three miners needed");
  const proofs: SequenceProof[] = await Promise.all(f.sequences.map((s) => sequenceProof(f.l2, s, honest.address)));
  const stakeOf = async (address: string) => {
    const info = await rollup.getMiner(address);
    return info.stake + info.unbonding;
  };
  const honestBefore = await stakeOf(honest.address);
  const attackerBefore = await stakeOf(attacker.address);

  const numbers: bigint[] = [];
  let posted = 0;
  for (const sequence of f.sequences) {
    numbers.push((await rollup.lastBatch()) + 1n);
    const tx = await rollup.connect(f.sequencer).sequenceBatches([...sequence.data], [...sequence.batchHashes]);
    posted ||= (await tx.wait())?.blockNumber ?? 0;
  }
  const verifiedAt = numbers.map(() => 0);
  const attacked = new Set<number>();
  /** The honest miner's commits: sequence index -> round. */
  const committed = new Map<number, bigint>();

  while (verifiedAt.some((v) => v === 0)) {
    const block = await helpers.time.latestBlock();
    if (block - posted > MAX_BLOCKS) throw new Error("nothing verified within the run's limit");
    let acted = false;
    for (const [i, sequence] of numbers.entries()) {
      if (verifiedAt[i] !== 0) continue;
      // The attacker opens each sequence's first round in the first block it can.
      if (attack && !attacked.has(i)) {
        const hash = `0x${(0xdead0000n + BigInt(i)).toString(16).padStart(64, "0")}`;
        await rollup.connect(attacker).commitProofHash(sequence, hash);
        attacked.add(i);
        acted = true;
        continue;
      }
      const proof = proofs[i] as SequenceProof;
      const planned = f.sequences[i];
      if (planned === undefined) throw new Error("no plan");
      const { round } = await rollup.getSequence(sequence);
      const ready = (await helpers.time.latestBlock()) + 1 >= posted + PROVING_BLOCKS;
      if (ready && committed.get(i) !== round) {
        const hash = proofHash(proof, honest.address);
        if (await succeeds(() => rollup.connect(honest).commitProofHash.staticCall(sequence, hash, PENDING))) {
          await rollup.connect(honest).commitProofHash(sequence, hash);
          committed.set(i, (await rollup.getSequence(sequence)).round);
          acted = true;
          continue;
        }
      }
      if (committed.get(i) === round && round > 0n) {
        const send = () => reveal(f, honest, sequence, planned, proof);
        const check = () =>
          rollup.connect(honest).revealProof.staticCall(sequence, commitmentArgs(planned), proofArgs(proof), PENDING);
        if (await succeeds(check)) {
          const receipt = await (await send()).wait();
          verifiedAt[i] = receipt?.blockNumber ?? 0;
          acted = true;
        }
      }
    }
    if (!acted) await helpers.mine(1);
  }
  const rounds = await Promise.all(numbers.map(async (n) => Number((await rollup.getSequence(n)).round)));

  // Settle every commit of the attacker's (anyone may), once no window runs.
  await helpers.mine(100);
  for (const [i, sequence] of numbers.entries()) {
    for (let round = 1; round <= (rounds[i] ?? 0); round++) {
      if ((await rollup.commitStatus(sequence, round, attacker.address)) === 1n) {
        await rollup.settleMissedCommit(sequence, round, attacker.address);
      }
    }
  }
  const cost = attackerBefore - (await stakeOf(attacker.address));
  return {
    blocksToVerifyAll: Math.max(...verifiedAt) - posted,
    verifiedAfter: verifiedAt.map((v) => v - posted),
    rounds,
    attackerCost: cost.toString(),
    attackerCostTokens: Number(cost / TOKEN),
    honestStakeChange: ((await stakeOf(honest.address)) - honestBefore).toString(),
  };
}

async function main(): Promise<void> {
  try {
    const connection = await network.create("ethereumSim");
    const { ethers, networkHelpers } = connection;
    // Interval mining off: blocks come from transactions and explicit mining only.
    await networkHelpers.mine(1);
    await ethers.provider.send("evm_setIntervalMining", [0]);
    const honest = await run(await deployTestRollup(connection), false);
    const attacked = await run(await deployTestRollup(connection), true);
    const { commitWindow, revealWindow, settings } = await deployTestRollup(connection);
    const delay = attacked.blocksToVerifyAll - honest.blocksToVerifyAll;
    const report = {
      command: "npm run bench:griefing",
      date: new Date().toISOString(),
      chain: "ethereum (12 s blocks)",
      commitWindowBlocks: commitWindow,
      revealWindowBlocks: revealWindow,
      missedProofPenaltyTokens: Number(settings.missedProofPenalty / TOKEN),
      invalidProofPenaltyTokens: Number(settings.invalidProofPenalty / TOKEN),
      provingBlocks: PROVING_BLOCKS,
      sequences: 3,
      honest,
      attacked,
      delayBlocks: delay,
      attackerCostTokensPerBlockOfDelay: delay > 0 ? attacked.attackerCostTokens / delay : null,
    };
    await writeFile(RESULTS, JSON.stringify(report, null, 2) + "\n");
    console.log(JSON.stringify(report, null, 2));
    console.log(`wrote ${RESULTS}`);
  } finally {
    await closeProver();
  }
}

await main();
