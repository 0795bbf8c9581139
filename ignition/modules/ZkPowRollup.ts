import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { ContractFuture } from "@nomicfoundation/ignition-core";

/**
 * The rollup's Ignition module: PoseidonT3 (the library the rollup links), the
 * circuit's sequence verifier, the rollup, and on a development chain a test
 * token. `npx hardhat rollup:deploy` and `deployRollup` (the tests) both
 * deploy through it, so what is tested is what is deployed.
 *
 * Its parameters are in BLOCKS and token base units, and have no defaults:
 * the people's settings are in seconds (ignition/parameters/<network>.json),
 * and rollup:deploy converts them with the chain's block time
 * (off-chain/deploy/rollup-parameters.ts), checks them against the
 * constructor's rules and only then calls Ignition. A parameter file of
 * seconds given to `npx hardhat ignition deploy` by mistake fails Ignition's
 * validation (no "ZkPowRollup" section) instead of deploying windows 12 times
 * too long.
 *
 * Contract names are not Ignition parameters (Ignition resolves artifacts
 * when it builds the module), hence a factory: the verifier is the circuit's
 * development verifier in tests and a ceremony's `<Name>Production` verifier
 * on a real chain.
 */
export interface ZkPowRollupModuleOptions {
  /** The sequence verifier's contract name (e.g. SequenceVerifierB2D4, SequenceVerifierB2D4Production). */
  readonly verifier: string;
  /** Deploy contracts/test/TestToken.sol as the rollup's token (development chains only) instead of a `token` parameter. */
  readonly testToken: boolean;
}

/** The module id: the prefix of every future id in the deployment journal and deployed_addresses.json. */
export const ZKPOW_MODULE_ID = "ZkPowRollup";

/** Future ids (ZkPowRollup#<id>) fixed whatever the verifier's contract name, so a re-deploy with another one is refused. */
export const FUTURE_IDS = Object.freeze({
  poseidonT3: "PoseidonT3",
  verifier: "SequenceVerifier",
  rollup: "ZkPowRollup",
  testToken: "TestToken",
});

export function zkPowRollupModule(options: ZkPowRollupModuleOptions) {
  return buildModule(ZKPOW_MODULE_ID, (m) => {
    const poseidonT3 = m.library("PoseidonT3", { id: FUTURE_IDS.poseidonT3 });
    const verifier = m.contract(options.verifier, [], { id: FUTURE_IDS.verifier });
    const testToken = options.testToken ? m.contract("TestToken", [], { id: FUTURE_IDS.testToken }) : undefined;
    const config = {
      chainId: m.getParameter<bigint>("rollupChainId"),
      batchSize: m.getParameter<bigint>("batchSize"),
      treeDepth: m.getParameter<bigint>("treeDepth"),
      maxBatchesPerSequence: m.getParameter<bigint>("maxBatchesPerSequence"),
      commitWindow: m.getParameter<bigint>("commitWindowBlocks"),
      revealWindow: m.getParameter<bigint>("revealWindowBlocks"),
      unbondingDelay: m.getParameter<bigint>("unbondingDelayBlocks"),
      emergencyTimeout: m.getParameter<bigint>("emergencyTimeoutBlocks"),
      verifierUpgradeDelay: m.getParameter<bigint>("verifierUpgradeDelayBlocks"),
      minimumStake: m.getParameter<bigint>("minimumStake"),
      missedProofPenalty: m.getParameter<bigint>("missedProofPenalty"),
      invalidProofPenalty: m.getParameter<bigint>("invalidProofPenalty"),
      batchFee: m.getParameter<bigint>("batchFee"),
      token: testToken ?? m.getParameter<string>("token"),
      verifier,
    };
    const rollup = m.contract(
      "ZkPowRollup",
      [
        config,
        m.getParameter<bigint>("genesisStateRoot"),
        m.getParameter<string>("admin"),
        m.getParameter<string>("sequencer"),
      ],
      { id: FUTURE_IDS.rollup, libraries: { PoseidonT3: poseidonT3 } },
    );
    const results: Record<string, ContractFuture<string>> = { poseidonT3, verifier, rollup };
    if (testToken !== undefined) results.testToken = testToken;
    return results;
  });
}
