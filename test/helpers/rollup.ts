import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { NetworkHelpers } from "@nomicfoundation/hardhat-network-helpers/types";
import { rm } from "node:fs/promises";
import path from "node:path";

import hre, { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";

import { getCircuitConfig, TEST_CIRCUIT } from "../../off-chain/circuits/index.js";
import { BASE_CHAINS, type BaseChain } from "../../off-chain/deploy/chains.js";
import { deployRollup } from "../../off-chain/deploy/deploy-rollup.js";
import { DEFAULT_SETTINGS, type RollupSettings } from "../../off-chain/deploy/settings.js";
import {
  batchCommitment,
  encodeBatchData,
  type BatchCommitment,
  type L2State,
  type PostedBatch,
  type TransferToApply,
} from "../../off-chain/l2/index.js";
import {
  BatchProver,
  proofHash,
  toContractProof,
  toSequenceProof,
  type SequenceProof,
} from "../../off-chain/prover/index.js";
import type { IZkPowRollup } from "../../types/ethers-contracts/contracts/interfaces/IZkPowRollup.js";
import type { TestToken, ZkPowRollup } from "../../types/ethers-contracts/index.js";
import { testCircuit } from "./circuit.js";
import { l2Fixture, sign, type L2Fixture } from "./l2.js";

const { batchSize, treeDepth } = getCircuitConfig(TEST_CIRCUIT);

/** IZkPowRollup.CommitStatus, in the contract's order (commitStatus returns its index). */
export enum CommitStatus {
  None,
  Committed,
  ProofVerified,
  ProofInvalid,
  Missed,
  RewardClaimed,
  Withdrawn,
}
export const TOKEN = 10n ** 18n;

/** A sequence the tests post: its batches' transfers, bytes and commitments, and the L2 states it goes through. */
export interface PlannedSequence {
  readonly batches: readonly PostedBatch[];
  readonly data: readonly Uint8Array[];
  /** What the sequencer posts with the data. */
  readonly batchHashes: readonly bigint[];
  /** What the contract stores of each batch and a reveal passes back. */
  readonly commitments: readonly BatchCommitment[];
  /** states[0] is the state before the sequence, states[i + 1] the state after batch i. */
  readonly states: readonly L2State[];
}

/**
 * Plans sequences over one L2: each entry lists the transfers of each batch as
 * [from, to, amount]; nonces follow from the state.
 */
export function planSequences(
  l2: L2Fixture,
  plan: readonly (readonly (readonly [number, number, bigint])[])[][],
): PlannedSequence[] {
  let state = l2.genesis;
  return plan.map((batches) => {
    const start = state;
    const signed = batches.map((transfers) => {
      let current = state;
      const batch = transfers.map(([from, to, amount]) => {
        const transfer = sign(l2, from, { from, to, amount, nonce: current.account(from)?.nonce ?? 0n });
        current = current.applySigned([transfer], l2.chainId).state;
        return transfer;
      });
      state = current;
      return batch;
    });
    return postedSequence(l2, start, signed);
  });
}

/** A sequence of batches exactly as given (posted bytes of any kind: invalid transfers are skipped). */
export function postedSequence(
  l2: L2Fixture,
  start: L2State,
  signed: readonly (readonly TransferToApply[])[],
): PlannedSequence {
  const states = [start];
  const batches = signed.map((transfers) => {
    const before = states.at(-1) ?? start;
    const batch = before.seal(transfers, l2.chainId);
    states.push(before.applyBatch(batch, l2.chainId).state);
    return batch;
  });
  const data = batches.map((batch) => encodeBatchData(batch, treeDepth));
  const commitments = data.map((bytes) => batchCommitment(l2.crypto.poseidon, l2.chainId, bytes, batchSize, treeDepth));
  return {
    batches,
    data,
    batchHashes: commitments.map((commitment) => commitment.batchHash),
    commitments,
    states,
  };
}

/** One prover per rollup chain id (a prover binds its proofs to one). */
const provers = new Map<bigint, Promise<BatchProver>>();
const proofs = new Map<string, Promise<SequenceProof>>();

function proverFor(chainId: bigint): Promise<BatchProver> {
  let prover = provers.get(chainId);
  if (prover === undefined) {
    prover = testCircuit().then((circuit) =>
      BatchProver.create({ circuit: { ...circuit, batchSize }, chainId, threads: 2 }),
    );
    provers.set(chainId, prover);
  }
  return prover;
}

/** The sequence proof of `sequence` by `miner`: real proofs, made once per run for each L2, sequence and miner. */
export function sequenceProof(l2: L2Fixture, sequence: PlannedSequence, miner: string): Promise<SequenceProof> {
  const key = `${l2.chainId}:${sequence.states[0]?.root}:${sequence.batchHashes.join(",")}:${miner.toLowerCase()}`;
  let proof = proofs.get(key);
  if (proof === undefined) {
    proof = (async () => {
      const prover = await proverFor(l2.chainId);
      const batchProofs = await Promise.all(
        sequence.batches.map((transfers, i) => {
          const state = sequence.states[i];
          if (state === undefined) throw new Error(`no state before batch ${i}`);
          return prover.prove(transfers, state, miner);
        }),
      );
      return toSequenceProof(batchProofs);
    })();
    proofs.set(key, proof);
  }
  return proof;
}

/** Stops the provers' threads (call from an `after` hook of a suite that proved); proofs stay cached. */
export async function closeProver(): Promise<void> {
  const open = [...provers.values()];
  provers.clear();
  for (const prover of open) await (await prover).close();
}

export interface RollupFixture {
  readonly connection: NetworkConnection;
  readonly ethers: HardhatEthers;
  readonly helpers: NetworkHelpers<string>;
  readonly rollup: ZkPowRollup;
  readonly token: TestToken;
  readonly admin: HardhatEthersSigner;
  readonly sequencer: HardhatEthersSigner;
  readonly miners: readonly HardhatEthersSigner[];
  readonly outsider: HardhatEthersSigner;
  readonly l2: L2Fixture;
  readonly sequences: readonly PlannedSequence[];
  readonly commitWindow: number;
  readonly revealWindow: number;
  readonly unbondingDelay: number;
  readonly settings: RollupSettings;
}

export const TEST_SETTINGS: RollupSettings = { ...DEFAULT_SETTINGS, unbondingDelaySeconds: 600 };

/** The sequences every rollup test posts: two single-batch sequences, then one of two batches. */
export const TEST_PLAN = [
  [[[0, 1, 300n]]],
  [
    [
      [1, 2, 50n],
      [2, 3, 7n],
    ],
  ],
  [[[3, 0, 1n]], [[0, 2, 11n]]],
] as const;

let httpDeployments = 0;

/**
 * A rollup deployed through the production deploy code on a network, with a
 * token, a sequencer holding fees and three staked miners.
 */
export async function deployTestRollup(
  connection: NetworkConnection,
  options: {
    chain?: BaseChain;
    rollupChainId?: bigint;
    settings?: RollupSettings;
    stake?: bigint;
    l2?: L2Fixture;
  } = {},
): Promise<RollupFixture> {
  const { ethers, networkHelpers: helpers } = connection;
  const settings = options.settings ?? TEST_SETTINGS;
  const l2 = options.l2 ?? (await l2Fixture(treeDepth, [1_000n, 2_000n, 3_000n, 4_000n], options.rollupChainId));
  const [admin, sequencer, outsider, ...miners] = await ethers.getSigners();
  if (admin === undefined || sequencer === undefined || outsider === undefined || miners.length < 3) {
    throw new Error("the test network needs six accounts");
  }
  const token = await ethers.deployContract("TestToken");
  // Over http Ignition journals the deployment in ignition/deployments/<id>: a throwaway id, removed after.
  const deploymentId =
    connection.networkConfig.type === "http" ? `test-${process.pid}-${++httpDeployments}` : undefined;
  const { rollup, config } = await deployRollup(connection, {
    ...(deploymentId === undefined ? {} : { deploymentId }),
    chain: options.chain ?? BASE_CHAINS.ethereum,
    settings,
    circuit: TEST_CIRCUIT,
    rollupChainId: l2.chainId,
    genesisStateRoot: l2.genesis.root,
    token: await token.getAddress(),
    admin: admin.address,
    sequencer: sequencer.address,
    deployer: admin,
  });
  if (deploymentId !== undefined) {
    await rm(path.join(hre.config.paths.ignition, "deployments", deploymentId), { recursive: true, force: true });
  }
  const rollupAddress = await rollup.getAddress();
  const stake = options.stake ?? settings.minimumStake * 3n;
  for (const account of [sequencer, ...miners.slice(0, 3)]) {
    await token.mint(account.address, 1_000n * TOKEN);
    await token.connect(account).approve(rollupAddress, 2n ** 255n);
  }
  for (const miner of miners.slice(0, 3)) await rollup.connect(miner).stake(stake);
  return {
    connection,
    ethers,
    helpers,
    rollup,
    token,
    admin,
    sequencer,
    miners: miners.slice(0, 3),
    outsider,
    l2,
    sequences: planSequences(
      l2,
      TEST_PLAN.map((sequence) => sequence.map((batch) => [...batch])),
    ),
    commitWindow: Number(config.commitWindow),
    revealWindow: Number(config.revealWindow),
    unbondingDelay: Number(config.unbondingDelay),
    settings,
  };
}

/** A fixture on the default simulated network, restored from a snapshot for every test. */
export async function rollupFixture(): Promise<RollupFixture> {
  defaultConnection ??= network.create();
  const connection = await defaultConnection;
  return connection.networkHelpers.loadFixture(async function deployedRollup() {
    return deployTestRollup(connection);
  });
}
let defaultConnection: Promise<NetworkConnection> | undefined;

/** Posts the planned sequences in order; returns their numbers (first batches). */
export async function postSequences(fixture: RollupFixture, count = fixture.sequences.length): Promise<bigint[]> {
  const numbers: bigint[] = [];
  for (const sequence of fixture.sequences.slice(0, count)) {
    numbers.push((await fixture.rollup.lastBatch()) + 1n);
    await fixture.rollup.connect(fixture.sequencer).sequenceBatches([...sequence.data], [...sequence.batchHashes]);
  }
  return numbers;
}

/** Sends the next transaction so that it is mined in block `block` (automine: one transaction per block). */
export async function atBlock(fixture: RollupFixture, block: number): Promise<void> {
  const latest = await fixture.helpers.time.latestBlock();
  if (block - 1 < latest) throw new Error(`block ${block} is already mined (latest is ${latest})`);
  if (block - 1 > latest) await fixture.helpers.mineUpTo(block - 1);
}

export async function commit(
  fixture: RollupFixture,
  miner: HardhatEthersSigner,
  sequence: bigint,
  proof: SequenceProof,
): Promise<number> {
  const tx = await fixture.rollup.connect(miner).commitProofHash(sequence, proofHash(proof, miner.address));
  const receipt = await tx.wait();
  if (receipt === null) throw new Error("commit not mined");
  return receipt.blockNumber;
}

export function reveal(
  fixture: RollupFixture,
  miner: HardhatEthersSigner,
  sequence: bigint,
  planned: PlannedSequence,
  proof: SequenceProof,
) {
  return fixture.rollup.connect(miner).revealProof(sequence, commitmentArgs(planned), proofArgs(proof));
}

/** The batch commitments as the contract takes them. */
export function commitmentArgs(planned: PlannedSequence): IZkPowRollup.BatchCommitmentStruct[] {
  return planned.commitments.map((c) => ({ ...c }));
}

/** A sequence proof as the contract takes it. */
export const proofArgs = toContractProof;
