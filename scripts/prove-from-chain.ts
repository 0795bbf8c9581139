// A miner's first step, from the base chain alone: read the rollup's posted
// sequences (events and posting calldata), replay them from the published
// genesis, prove one sequence, commit its proofHash and reveal the proof in
// the reveal window. It never talks to the sequencer.
//
//   MINER_PRIVATE_KEY=0x… npm run prove-from-chain -- --rpc http://127.0.0.1:8545 --chain bnb \
//     --rollup 0x… --genesis genesis.json [--sequence N] [--threads K]
//
// --chain is a known chain's name (ethereum, bnb, polygon, their testnets) or a chain id: the RPC must report it.
import { parseArgs } from "node:util";

import { isError, JsonRpcProvider, Network, NonceManager, Wallet } from "ethers";

import { CHAIN_DEFINITIONS, type BaseChainName } from "../off-chain/deploy/chains.js";
import { assertChainId, ChainMismatchError, RpcCheckError } from "../off-chain/deploy/check-chain.js";
import { CIRCUIT_CONFIGS, ensureCircuit, releaseSnarkjsWorkers } from "../off-chain/circuits/index.js";
import { decodeBatchData, genesisState, loadL2Crypto, readGenesis, type L2State } from "../off-chain/l2/index.js";
import { readPostedSequences } from "../off-chain/chain/chain-data.js";
import { BatchProver, proofHash, toContractProof, toSequenceProof } from "../off-chain/prover/index.js";
import { ZkPowRollup__factory } from "../types/ethers-contracts/index.js";

function fail(message: string): never {
  console.error(`prove-from-chain: ${message}`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    rpc: { type: "string" },
    chain: { type: "string" },
    rollup: { type: "string" },
    genesis: { type: "string" },
    sequence: { type: "string" },
    threads: { type: "string", default: "1" },
  },
});
const rpc = values.rpc ?? fail("--rpc <url> is required");
const chainOption = values.chain ?? fail("--chain <name or chain id> is required (the chain the RPC must be)");
const expectedChainId = /^[0-9]+$/.test(chainOption)
  ? BigInt(chainOption)
  : Object.hasOwn(CHAIN_DEFINITIONS, chainOption)
    ? BigInt(CHAIN_DEFINITIONS[chainOption as BaseChainName].viem.id)
    : fail(`--chain ${chainOption}: not a chain id nor a known chain (${Object.keys(CHAIN_DEFINITIONS).join(", ")})`);
const rollupAddress = values.rollup ?? fail("--rollup <address> is required");
const genesisFile = values.genesis ?? fail("--genesis <file> is required");
const key = process.env.MINER_PRIVATE_KEY ?? fail("set MINER_PRIVATE_KEY (the miner's key is never a flag)");
const threads = Number(values.threads);
if (!Number.isInteger(threads) || threads < 1) fail(`--threads must be a positive integer, got ${values.threads}`);

const log = (line: string) => {
  console.log(`prove-from-chain: ${line}`);
};

// A static network: ethers would otherwise attach chain-specific plugins that call outside hosts (chain 137).
// send() still asks the RPC itself, so the check below reads the RPC's own chain id.
const provider = new JsonRpcProvider(rpc, new Network(`base-${expectedChainId}`, expectedChainId), {
  staticNetwork: true,
});
try {
  await assertChainId(provider, expectedChainId, `--rpc ${rpc}`);
} catch (error) {
  if (error instanceof ChainMismatchError || error instanceof RpcCheckError) {
    provider.destroy();
    fail(error.message);
  }
  throw error;
}
const chainId = expectedChainId;
const wallet = new Wallet(key, provider);
// Nonces counted here, not re-read per transaction: a node busy mining can answer a pending count that misses a
// transaction it has just mined (seen against Hardhat's node), and the next transaction would reuse its nonce.
const rollup = ZkPowRollup__factory.connect(rollupAddress, new NonceManager(wallet));

const config = await rollup.getConfig();
const genesis = await readGenesis(genesisFile);
if (genesis.chainId !== config.chainId) {
  fail(
    `${genesisFile} is for rollup chain id ${genesis.chainId}; the rollup at ${rollupAddress} has ${config.chainId}`,
  );
}
if (BigInt(genesis.treeDepth) !== config.treeDepth) {
  fail(`${genesisFile} has tree depth ${genesis.treeDepth}; the rollup's circuit has ${config.treeDepth}`);
}
const circuitConfig =
  CIRCUIT_CONFIGS.find((c) => BigInt(c.batchSize) === config.batchSize && BigInt(c.treeDepth) === config.treeDepth) ??
  fail(`no circuit configuration for batch size ${config.batchSize} and tree depth ${config.treeDepth}`);
const crypto = await loadL2Crypto();

// Replay every posted sequence from genesis: the state before each one.
const posted = await readPostedSequences(rollup);
const lastVerified = await rollup.lastVerifiedBatch();
const before = new Map<bigint, L2State>();
let state = genesisState(crypto, genesis, genesisFile);
for (const sequence of posted) {
  before.set(sequence.sequence, state);
  for (const batch of sequence.batches) {
    state = state.applyBatch(decodeBatchData(batch.data, genesis.treeDepth), genesis.chainId).state;
  }
  if (sequence.lastBatch === lastVerified && state.root !== (await rollup.stateRoot())) {
    fail(
      `replaying the chain's data from ${genesisFile} gives state root ${state.root} after batch ${lastVerified}; the rollup holds ${await rollup.stateRoot()}`,
    );
  }
}
log(`read ${posted.length} posted sequence(s) from chain ${chainId}; batches up to ${lastVerified} are verified`);

const target = values.sequence !== undefined ? BigInt(values.sequence) : lastVerified + 1n;
const sequence = posted.find((s) => s.sequence === target) ?? fail(`no sequence ${target} is posted`);
const start = before.get(target) ?? fail(`no state before sequence ${target}`);

const circuit = await ensureCircuit(circuitConfig.name, { log });
const prover = await BatchProver.create({
  circuit: { ...circuit, batchSize: circuitConfig.batchSize },
  chainId: genesis.chainId,
  threads,
});
try {
  let current = start;
  const batchProofs = [];
  for (const [i, batch] of sequence.batches.entries()) {
    const result = await prover.prove(decodeBatchData(batch.data, genesis.treeDepth), current, wallet.address);
    if (!(await prover.verify(result))) fail(`the proof of batch ${target + BigInt(i)} does not verify off-chain`);
    log(
      `proved batch ${target + BigInt(i)} in ${result.timings.proveSeconds.toFixed(1)} s (${result.witness.skipped.length} transfer(s) skipped)`,
    );
    batchProofs.push(result);
    current = result.witness.nextState;
  }
  const proof = toSequenceProof(batchProofs);
  const args = {
    batches: sequence.batches.map((b) => ({ ...b.commitment })),
    proof: toContractProof(proof),
  };

  await (await rollup.commitProofHash(target, proofHash(proof, wallet.address))).wait();
  log(`committed the proofHash of sequence ${target}; waiting for the reveal window`);
  for (;;) {
    try {
      await rollup.revealProof.staticCall(target, args.batches, args.proof);
      break;
    } catch (error) {
      const reason = isError(error, "CALL_EXCEPTION")
        ? rollup.interface.parseError(error.data ?? "0x")?.name
        : undefined;
      if (reason !== "RevealWindowNotOpen") throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  const receipt = await (await rollup.revealProof(target, args.batches, args.proof)).wait();
  const events = (receipt?.logs ?? []).map((entry) => rollup.interface.parseLog(entry)?.name);
  if (!events.includes("SequenceVerified") && !events.includes("ProofVerified")) {
    fail(`the reveal of sequence ${target} did not verify (events: ${events.join(", ")})`);
  }
  log(
    `revealed: sequence ${target} ${events.includes("SequenceVerified") ? "verified by this miner" : "proof counted"}`,
  );
} finally {
  await prover.close();
  await releaseSnarkjsWorkers();
}
