import { expect } from "chai";
import { ZeroAddress } from "ethers";

import { BASE_CHAINS } from "../../off-chain/deploy/chains.js";
import { deployRollup, rollupConfig } from "../../off-chain/deploy/deploy-rollup.js";
import { RollupConfigError } from "../../off-chain/deploy/rollup-config.js";
import { TEST_CIRCUIT } from "../../off-chain/circuits/index.js";
import { proofHash } from "../../off-chain/prover/index.js";
import {
  atBlock,
  closeProver,
  commit,
  commitmentArgs,
  postSequences,
  proofArgs,
  reveal,
  rollupFixture,
  sequenceProof,
  TEST_SETTINGS,
  type RollupFixture,
} from "../helpers/rollup.js";

describe("ZkPowRollup: administration", function () {
  let f: RollupFixture;

  beforeEach(async function () {
    f = await rollupFixture();
  });

  after(closeProver);

  const miner = (i: number) => f.miners[i] ?? expect.fail(`no miner ${i}`);
  const planned = () => f.sequences[0] ?? expect.fail("no plan");

  describe("# access control", function () {
    it("Should let only the sequencer post sequences", async function () {
      for (const account of [f.outsider, f.admin, miner(0)]) {
        await expect(f.rollup.connect(account).sequenceBatches([...planned().data], [...planned().batchHashes]))
          .to.be.revertedWithCustomError(f.rollup, "AccessControlUnauthorizedAccount")
          .withArgs(account.address, await f.rollup.SEQUENCER_ROLE());
      }
    });

    it("Should let only the parameters role change the economics, and keep invalid >= missed", async function () {
      await expect(f.rollup.connect(f.outsider).setEconomics(1n, 1n, 1n, 1n)).to.be.revertedWithCustomError(
        f.rollup,
        "AccessControlUnauthorizedAccount",
      );
      await expect(f.rollup.connect(f.admin).setEconomics(1n, 5n, 4n, 1n))
        .to.be.revertedWithCustomError(f.rollup, "InvalidConfig")
        .withArgs("invalidProofPenalty");
      await expect(f.rollup.connect(f.admin).setEconomics(7n, 2n, 3n, 4n))
        .to.emit(f.rollup, "EconomicsUpdated")
        .withArgs(7n, 2n, 3n, 4n);
      const config = await f.rollup.getConfig();
      expect([
        config.minimumStake,
        config.missedProofPenalty,
        config.invalidProofPenalty,
        config.batchFee,
      ]).to.deep.equal([7n, 2n, 3n, 4n]);
    });

    it("Should let only the admin pause and unpause", async function () {
      await expect(f.rollup.connect(f.sequencer).pause()).to.be.revertedWithCustomError(
        f.rollup,
        "AccessControlUnauthorizedAccount",
      );
      await f.rollup.connect(f.admin).pause();
      await expect(f.rollup.connect(f.outsider).unpause()).to.be.revertedWithCustomError(
        f.rollup,
        "AccessControlUnauthorizedAccount",
      );
      await f.rollup.connect(f.admin).unpause();
      expect(await f.rollup.paused()).to.equal(false);
    });

    it("Should refuse a configuration out of range: deployRollup before any transaction, the constructor itself", async function () {
      const base = {
        chain: BASE_CHAINS.ethereum,
        settings: TEST_SETTINGS,
        circuit: TEST_CIRCUIT,
        rollupChainId: 5n,
        genesisStateRoot: 1n,
        token: await f.token.getAddress(),
        admin: f.admin.address,
        sequencer: f.sequencer.address,
      };
      const nonce = await f.ethers.provider.getTransactionCount(f.admin.address);
      const refusal = async (options: typeof base, pattern: RegExp) => {
        let failure: unknown;
        try {
          await deployRollup(f.connection, options);
        } catch (error) {
          failure = error;
        }
        expect(failure).to.be.instanceOf(RollupConfigError);
        expect(String(failure)).to.match(pattern);
      };
      await refusal({ ...base, rollupChainId: 0n }, /chainId \(the rollup's L2 chain id\) is 0/);
      await refusal({ ...base, token: ZeroAddress }, /token is the zero address/);
      await refusal({ ...base, genesisStateRoot: 2n ** 254n }, /not a field element/);
      await refusal(
        { ...base, settings: { ...TEST_SETTINGS, verifierUpgradeDelaySeconds: 600 } },
        /verifierUpgradeDelay is 50 blocks; it must be at least unbondingDelay \+ commitWindow \+ 2 \* revealWindow = 50 \+ 5 \+ 2 \* 10 = 75 blocks/,
      );
      await refusal({ ...base, settings: { ...TEST_SETTINGS, minimumStake: 0n } }, /minimumStake is 0/);
      await refusal(
        { ...base, settings: { ...TEST_SETTINGS, invalidProofPenalty: TEST_SETTINGS.missedProofPenalty - 1n } },
        /invalidProofPenalty is .* below the missed-proof penalty/,
      );
      expect(await f.ethers.provider.getTransactionCount(f.admin.address), "no transaction sent").to.equal(nonce);

      // The contract enforces the same rules on its own (a deploy that skips the check).
      const poseidon = await f.ethers.deployContract("PoseidonT3");
      const config = rollupConfig({ ...base, rollupChainId: 0n }, await f.rollup.getAddress());
      const libraries = { PoseidonT3: await poseidon.getAddress() };
      const deploy = (c: typeof config) =>
        f.ethers.deployContract("ZkPowRollup", [c, 1n, f.admin.address, f.sequencer.address], { libraries });
      await expect(deploy(config)).to.be.revertedWithCustomError(f.rollup, "InvalidConfig").withArgs("chainId");
      await expect(deploy({ ...config, chainId: 5n, token: ZeroAddress }))
        .to.be.revertedWithCustomError(f.rollup, "InvalidConfig")
        .withArgs("token");
      await expect(deploy({ ...config, chainId: 5n, verifierUpgradeDelay: 74n }))
        .to.be.revertedWithCustomError(f.rollup, "InvalidConfig")
        .withArgs("verifierUpgradeDelay");
      await expect(deploy({ ...config, chainId: 5n, minimumStake: 0n }))
        .to.be.revertedWithCustomError(f.rollup, "InvalidConfig")
        .withArgs("minimumStake");
    });
  });

  describe("# pause", function () {
    it("Should stop sequencing and commits, never reveals, settlements, claims or withdrawals", async function () {
      const [first] = (await postSequences(f, 1)) as [bigint];
      const proofs = await Promise.all([0, 1].map((i) => sequenceProof(f.l2, planned(), miner(i).address)));
      const start = await commit(f, miner(0), first, proofs[0] ?? expect.fail());
      await commit(f, miner(1), first, proofs[1] ?? expect.fail());
      await f.rollup.connect(miner(2)).requestWithdrawal(1n);
      await f.rollup.connect(f.admin).pause();

      await expect(
        f.rollup.connect(f.sequencer).sequenceBatches([...planned().data], [...planned().batchHashes]),
      ).to.be.revertedWithCustomError(f.rollup, "EnforcedPause");
      await expect(
        f.rollup.connect(miner(2)).commitProofHash(first, proofHash(proofs[0] ?? expect.fail(), miner(2).address)),
      ).to.be.revertedWithCustomError(f.rollup, "EnforcedPause");

      const revealStart = start + f.commitWindow;
      await atBlock(f, revealStart);
      await expect(reveal(f, miner(0), first, planned(), proofs[0] ?? expect.fail())).to.emit(
        f.rollup,
        "SequenceVerified",
      );
      await atBlock(
        f,
        Math.max(revealStart + 2 * f.revealWindow, Number((await f.rollup.getMiner(miner(2).address)).unbondingEnd)),
      );
      await expect(f.rollup.settleMissedCommit(first, 1, miner(1).address)).to.emit(f.rollup, "CommitMissed");
      await expect(f.rollup.connect(miner(0)).claimReward(first)).to.emit(f.rollup, "RewardClaimed");
      await expect(f.rollup.connect(miner(2)).withdraw()).to.emit(f.rollup, "Withdrawn");
    });
  });

  describe("# reentrancy", function () {
    it("Should refuse a hostile token's re-entry into claims, withdrawals and stake", async function () {
      const hostile = await f.ethers.deployContract("HostileToken");
      const { rollup } = await deployRollup(f.connection, {
        chain: BASE_CHAINS.ethereum,
        settings: TEST_SETTINGS,
        circuit: TEST_CIRCUIT,
        rollupChainId: f.l2.chainId,
        genesisStateRoot: f.l2.genesis.root,
        token: await hostile.getAddress(),
        admin: f.admin.address,
        sequencer: f.sequencer.address,
        deployer: f.admin,
      });
      const address = await rollup.getAddress();
      for (const account of [miner(0), f.sequencer]) {
        await hostile.mint(account.address, 10n ** 24n);
        await hostile.connect(account).approve(address, 2n ** 255n);
      }
      const guard = rollup.interface.getError("ReentrancyGuardReentrantCall")?.selector;
      const reentry = async (payload: string, action: () => Promise<unknown>) => {
        await hostile.arm(address, payload);
        await action();
        expect(await hostile.reentered(), payload.slice(0, 10)).to.equal(false);
        expect((await hostile.lastRevert()).slice(0, 10)).to.equal(guard);
      };
      // The token calls back into the rollup in the middle of each transfer.
      await reentry(rollup.interface.encodeFunctionData("stake", [1n]), () =>
        rollup.connect(miner(0)).stake(TEST_SETTINGS.minimumStake * 3n),
      );
      await rollup.connect(f.sequencer).sequenceBatches([...planned().data], [...planned().batchHashes]);
      const first = 1n;
      const proof = await sequenceProof(f.l2, planned(), miner(0).address);
      await rollup.connect(miner(0)).commitProofHash(first, proofHash(proof, miner(0).address));
      const start = await f.helpers.time.latestBlock();
      await atBlock(f, start + f.commitWindow);
      await rollup.connect(miner(0)).revealProof(first, commitmentArgs(planned()), proofArgs(proof));
      await atBlock(f, start + f.commitWindow + 2 * f.revealWindow);
      const balance = await hostile.balanceOf(address);
      await reentry(rollup.interface.encodeFunctionData("claimReward", [first]), () =>
        rollup.connect(miner(0)).claimReward(first),
      );
      expect(await hostile.balanceOf(address)).to.equal(balance - TEST_SETTINGS.batchFee);
      await rollup.connect(miner(0)).requestWithdrawal(5n);
      await atBlock(f, (await f.helpers.time.latestBlock()) + f.unbondingDelay + 1);
      await reentry(rollup.interface.encodeFunctionData("withdraw"), () => rollup.connect(miner(0)).withdraw());
      expect(await hostile.balanceOf(address)).to.equal(balance - TEST_SETTINGS.batchFee - 5n);
    });
  });
});
