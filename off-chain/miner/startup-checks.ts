import { FetchRequest, getAddress, JsonRpcProvider, Network, type Provider } from "ethers";

import type { CircuitConfig } from "../circuits/index.js";
import { assertVerifierHoldsKey, VerifierKeyError, type EmbeddedKey } from "../circuits/verifier-check.js";
import type { Genesis } from "../l2/index.js";
import { ZkPowRollup__factory, type ZkPowRollup } from "../../types/ethers-contracts/index.js";
import { isTransientRpcError, type RollupConfig } from "./chain.js";
import type { ChainConfig } from "./config.js";
import { MinerConfigError } from "./config.js";

export type { EmbeddedKey } from "../circuits/verifier-check.js";

/**
 * Connects to a chain's RPC and checks that it is the configured chain:
 * the RPC's chain id is asked first, and the provider is then pinned to it
 * (a static network: ethers would otherwise attach chain-specific plugins
 * that call outside hosts).
 */
export async function connectChain(chain: ChainConfig): Promise<JsonRpcProvider> {
  // A network given up front: without one, ethers detects it itself and prints "retry in 1s" lines on a dead RPC.
  // send() asks the RPC whatever network is given, so `reported` is the RPC's own answer.
  const probe = new JsonRpcProvider(rpcRequest(chain.rpcUrl), new Network(chain.name, BigInt(chain.chainId)), {
    staticNetwork: true,
    batchMaxCount: 1,
  });
  let reported: bigint;
  try {
    reported = BigInt((await probe.send("eth_chainId", [])) as string);
  } catch (error) {
    // A connection reset on the way says nothing of the RPC: the caller asks again (retryTransient).
    if (isTransientRpcError(error)) throw error;
    throw new MinerConfigError(
      `chain ${chain.name}: the RPC at ${chain.rpcUrl} does not answer eth_chainId (${error instanceof Error ? error.message.split("\n")[0] : String(error)})`,
    );
  } finally {
    probe.destroy();
  }
  if (reported !== BigInt(chain.chainId)) {
    throw new MinerConfigError(
      `chain ${chain.name}: the RPC at ${chain.rpcUrl} reports chain id ${reported}; the config says ${chain.chainId}`,
    );
  }
  return new JsonRpcProvider(rpcRequest(chain.rpcUrl), new Network(chain.name, reported), { staticNetwork: true });
}

/** An RPC that accepts a connection and never answers fails a call after this long (ethers waits 5 minutes). */
const RPC_TIMEOUT_MS = 30_000;

function rpcRequest(url: string): FetchRequest {
  const request = new FetchRequest(url);
  request.timeout = RPC_TIMEOUT_MS;
  return request;
}

/**
 * The checks a miner makes before it sends anything on a chain: the rollup
 * exists, proves the circuit the miner proves with (batch size, tree depth,
 * a verifier holding this circuit's verification key), is the genesis's
 * rollup, and the miner's stake allows a commit. Each mismatch is one error.
 */
export async function checkRollup(options: {
  readonly chain: ChainConfig;
  readonly provider: Provider;
  readonly circuit: CircuitConfig;
  /** The circuit's key, or how to get it (called only once the batch size and depth match: it may build the circuit). */
  readonly verificationKey: EmbeddedKey | (() => Promise<EmbeddedKey>);
  /** The key in errors: "circuit <name>'s verification key" unless given (a ceremony zkey names its file). */
  readonly keyName?: string;
  readonly genesis: Genesis;
  readonly genesisRoot: bigint;
  readonly miner: string;
}): Promise<{ rollup: ZkPowRollup; config: RollupConfig }> {
  const { chain, provider, circuit, genesis, miner } = options;
  const where = `chain ${chain.name}: rollup ${chain.rollup}`;
  if ((await provider.getCode(chain.rollup)) === "0x") throw new MinerConfigError(`${where} has no code`);
  const rollup = ZkPowRollup__factory.connect(getAddress(chain.rollup), provider);
  let config: RollupConfig;
  try {
    config = await rollup.getConfig();
  } catch (error) {
    if (isTransientRpcError(error)) throw error;
    throw new MinerConfigError(`${where} does not answer getConfig() as a zkpow rollup does (${String(error)})`);
  }
  if (config.batchSize !== BigInt(circuit.batchSize) || config.treeDepth !== BigInt(circuit.treeDepth)) {
    throw new MinerConfigError(
      `${where} proves batches of ${config.batchSize} transfers at tree depth ${config.treeDepth}; circuit ${circuit.name} has ${circuit.batchSize} and ${circuit.treeDepth}`,
    );
  }
  if (config.chainId !== genesis.chainId) {
    throw new MinerConfigError(
      `${where} runs rollup chain id ${config.chainId}; the genesis ${chain.genesis} is for ${genesis.chainId}`,
    );
  }
  const key = typeof options.verificationKey === "function" ? await options.verificationKey() : options.verificationKey;
  const keyName = options.keyName ?? `circuit ${circuit.name}'s verification key`;
  try {
    await assertVerifierHoldsKey(provider, config.verifier, { verificationKey: key, name: keyName }, where);
  } catch (error) {
    if (!(error instanceof VerifierKeyError)) throw error;
    throw new MinerConfigError(
      `${where} verifies with ${config.verifier}, which does not hold ${keyName} (${error.missing} of its words missing): the miner's zkey is not the rollup's`,
    );
  }
  if ((await rollup.lastVerifiedBatch()) === 0n && (await rollup.stateRoot()) !== options.genesisRoot) {
    throw new MinerConfigError(
      `${where} starts from state root ${await rollup.stateRoot()}; the genesis ${chain.genesis} has root ${options.genesisRoot}`,
    );
  }
  const stake = await rollup.getMiner(miner);
  const needed = stake.backing + config.invalidProofPenalty;
  const required = needed > config.minimumStake ? needed : config.minimumStake;
  if (stake.stake < required) {
    throw new MinerConfigError(
      `${where}: miner ${miner} has stake ${stake.stake}; a commit needs ${required} (minimum stake ${config.minimumStake}, backing of open commits ${stake.backing}). Stake first: approve the token ${config.token} and call stake(amount).`,
    );
  }
  return { rollup, config };
}
