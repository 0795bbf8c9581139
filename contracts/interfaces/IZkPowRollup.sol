// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {ISequenceVerifier} from "./ISequenceVerifier.sol";

/// @title IZkPowRollup
/// @notice The zkpow rollup contract on one base chain: the sequencer posts sequences of batches, staked miners
/// commit a proofHash within the commit window (T1) and reveal the proof within the reveal window (T2); the first
/// valid proof finalises the sequence, every miner who committed in T1 and delivered a valid proof shares its
/// reward, and miners who committed and did not deliver pay a penalty. docs/protocol.md states the rules.
/// @dev Sequences are numbered by their first batch (batches are numbered from 1). One token serves for stake,
/// batch fees, rewards and penalties, so that slashed stake can be paid out as reward.
interface IZkPowRollup {
    // ------------------------------------------------------------------------------------------------------------
    // Structs
    // ------------------------------------------------------------------------------------------------------------

    /// @notice One deployment's configuration, returned by {getConfig}.
    /// @dev Windows are in blocks of this base chain, converted once from seconds by the deployment code.
    struct Config {
        /// @notice The rollup's chain id: it seeds every batchHash, so proofs are bound to this rollup.
        uint64 chainId;
        /// @notice The batch circuit's batch size (transfers per batch).
        uint32 batchSize;
        /// @notice The batch circuit's state tree depth: a posted account index takes ceil(treeDepth / 8) bytes.
        uint8 treeDepth;
        /// @notice The most batches one sequence may hold (bounds the reveal's gas).
        uint32 maxBatchesPerSequence;
        /// @notice T1: blocks during which miners may commit, from the round's first commit.
        uint64 commitWindow;
        /// @notice T2: blocks during which proofs may be revealed, from the reveal window's start.
        uint64 revealWindow;
        /// @notice Blocks a stake withdrawal waits after it is requested.
        uint64 unbondingDelay;
        /// @notice Blocks the oldest unverified sequence may wait (since it was posted or its predecessor verified)
        /// before anyone may put the rollup in the emergency state.
        uint64 emergencyTimeout;
        /// @notice Blocks between scheduling a verifier upgrade and applying it; at least unbondingDelay +
        /// commitWindow + 2 * revealWindow, so that a miner who disagrees can leave with its stake first.
        uint64 verifierUpgradeDelay;
        /// @notice The stake a miner needs to commit.
        uint256 minimumStake;
        /// @notice Taken from a miner who committed and never delivered a valid proof.
        uint256 missedProofPenalty;
        /// @notice Taken from a miner who revealed a proof that does not verify (larger than the missed one).
        uint256 invalidProofPenalty;
        /// @notice Paid by the sequencer per batch into the sequence's reward.
        uint256 batchFee;
        /// @notice The token of stake, fees, rewards and penalties.
        IERC20 token;
        /// @notice Checks the batch proofs of a sequence (the verifier in force: see {scheduleVerifierUpgrade}).
        ISequenceVerifier verifier;
    }

    /// @notice What binds a batch's proof to its posted bytes: three of the batch proof's public inputs.
    /// @dev docs/circuit.md says why: the circuit recomputes batchHash (Poseidon) from the transfers it applies, and
    /// the contract ties it to calldata cheaply by evaluating the data, read as a polynomial, at a point derived by
    /// hashing batchHash with the data (see {BatchHash}).
    struct BatchCommitment {
        /// @notice The Poseidon commitment to the batch's data, as the sequencer posted it.
        uint256 batchHash;
        /// @notice z = keccak256(batchHash, data) mod the scalar field.
        uint256 dataPoint;
        /// @notice The data, read as a polynomial (chainId, count, then 31-byte chunks), evaluated at z.
        uint256 dataEvaluation;
    }

    /// @notice The proof of a sequence of n batches, as the miner's FinalProofTask produces it.
    /// @dev For a sequence of one batch (BatchProofTask -> FinalProofTask) n = 1. For n > 1 the
    /// AggregatorProofTask gathers the n batch proofs and the state root after each batch. Batch i is proven from
    /// newStateRoots[i - 1] (batch 0 from oldStateRoot) to newStateRoots[i].
    struct SequenceProof {
        /// @notice The state root the sequence starts from: its predecessor's new state root.
        uint256 oldStateRoot;
        /// @notice The state root after each batch; the last is the sequence's new state root.
        uint256[] newStateRoots;
        /// @notice One Groth16 proof per batch, in batch order, each bound to the revealing miner.
        ISequenceVerifier.Groth16Proof[] proofs;
    }

    /// @notice What the contract keeps of a sequence.
    struct SequenceInfo {
        /// @notice The sequence's last batch (its first is its number).
        uint64 lastBatch;
        /// @notice The current round of the two-step commit (1 for the first; a failed round opens the next).
        uint32 round;
        /// @notice The block of the current round's first commit (0 while no one has committed).
        uint64 commitStart;
        /// @notice The block of the first valid proof (0 while not verified).
        uint64 verifiedAt;
        /// @notice The block the verified round's reveal window opened (0 while not verified).
        uint64 revealStart;
        /// @notice Valid proofs revealed in the verified round.
        uint32 validProofs;
        /// @notice keccak256(abi.encode(BatchCommitment[])) of the sequence's batches, in order; once verified,
        /// keccak256(abi.encode(that, oldStateRoot)), so that later reveals can show the root it was proven from.
        bytes32 commitment;
    }

    /// @notice A sequence's reward.
    struct RewardInfo {
        /// @notice The reward pot until the split, then the share of each valid prover.
        uint256 amount;
        /// @notice Whether the split is fixed (at the first claim after the late window).
        bool split;
    }

    /// @notice A miner's stake.
    struct MinerInfo {
        /// @notice Stake that can back commits.
        uint256 stake;
        /// @notice Stake on its way out (withdrawable at unbondingEnd once no commit is open).
        uint256 unbonding;
        /// @notice The block from which the unbonding stake can be withdrawn.
        uint64 unbondingEnd;
        /// @notice Commits not yet closed: a commit closes when its reward is claimed, it pays a penalty, or it is
        /// withdrawn.
        uint64 openCommits;
        /// @notice What the open commits can still cost: the sum of their invalid-proof penalties, fixed when each
        /// was made. Stake and unbonding stake beyond it can leave.
        uint256 backing;
    }

    /// @notice Where a commit stands.
    enum CommitStatus {
        None,
        Committed,
        ProofVerified,
        ProofInvalid,
        Missed,
        RewardClaimed,
        Withdrawn
    }

    // ------------------------------------------------------------------------------------------------------------
    // Events
    // ------------------------------------------------------------------------------------------------------------

    /// @notice The sequencer posted a sequence.
    /// @param sequence The sequence's number (its first batch).
    /// @param lastBatch Its last batch.
    /// @param batches The commitment of each batch: what a reveal passes back.
    /// @param fee The fee paid into its reward.
    event SequenceSubmitted(uint64 indexed sequence, uint64 lastBatch, BatchCommitment[] batches, uint256 fee);

    /// @notice A batch's posted batchHash was shown wrong and replaced by the one computed from its data.
    /// @param sequence The sequence.
    /// @param index The batch's position in the sequence.
    /// @param corrected The batch's new commitment.
    event BatchHashCorrected(uint64 indexed sequence, uint256 index, BatchCommitment corrected);

    /// @notice A round of the two-step commit opened with its first commit (T1 starts).
    /// @param sequence The sequence.
    /// @param round The round's number.
    /// @param commitStart The block of the first commit.
    event RoundOpened(uint64 indexed sequence, uint32 indexed round, uint64 commitStart);

    /// @notice A miner committed a proofHash.
    /// @param sequence The sequence.
    /// @param round The round.
    /// @param miner The miner.
    /// @param proofHash keccak256(abi.encodePacked(keccak256(abi.encode(proof)), miner)).
    event ProofHashCommitted(uint64 indexed sequence, uint32 indexed round, address indexed miner, bytes32 proofHash);

    /// @notice A committed proof verified after the sequence was verified (on time or late); the proof that verified
    /// the sequence is reported by {SequenceVerified} instead.
    /// @param sequence The sequence.
    /// @param round The round.
    /// @param miner The miner.
    /// @param late Whether it came after the reveal window (allowed once another proof of the round verified).
    event ProofVerified(uint64 indexed sequence, uint32 indexed round, address indexed miner, bool late);

    /// @notice The first valid proof of a sequence finalised it.
    /// @param sequence The sequence.
    /// @param miner The miner whose proof it was.
    /// @param round The round.
    /// @param lastBatch Its last batch, now the last verified batch.
    /// @param newStateRoot The rollup's new state root.
    event SequenceVerified(
        uint64 indexed sequence,
        address indexed miner,
        uint32 round,
        uint64 lastBatch,
        uint256 newStateRoot
    );

    /// @notice A committed proof did not verify: the miner paid the invalid-proof penalty.
    /// @param sequence The sequence.
    /// @param round The round.
    /// @param miner The miner.
    /// @param penalty The amount taken from the miner's stake.
    event ProofRejected(uint64 indexed sequence, uint32 indexed round, address indexed miner, uint256 penalty);

    /// @notice A miner committed and did not deliver a valid proof in time: it paid the missed-proof penalty.
    /// @param sequence The sequence.
    /// @param round The round.
    /// @param miner The miner.
    /// @param penalty The amount taken from the miner's stake.
    event CommitMissed(uint64 indexed sequence, uint32 indexed round, address indexed miner, uint256 penalty);

    /// @notice A sequence's reward was fixed and split among its valid provers.
    /// @param sequence The sequence.
    /// @param reward The sequence's reward.
    /// @param share What each valid prover receives.
    /// @param dust The remainder, carried to the next verified sequence.
    event RewardSplit(uint64 indexed sequence, uint256 reward, uint256 share, uint256 dust);

    /// @notice A miner claimed its share of a sequence's reward.
    /// @param sequence The sequence.
    /// @param miner The miner.
    /// @param amount The amount paid.
    event RewardClaimed(uint64 indexed sequence, address indexed miner, uint256 amount);

    /// @notice A penalty or dust went to the carry, which the next verified sequence's reward receives.
    /// @param amount The amount added.
    /// @param carry The carry after it.
    event RewardCarried(uint256 amount, uint256 carry);

    /// @notice A miner deposited stake.
    /// @param miner The miner.
    /// @param amount The amount deposited.
    /// @param stake The miner's stake after it.
    event Staked(address indexed miner, uint256 amount, uint256 stake);

    /// @notice A miner asked to withdraw stake; it unbonds until unbondingEnd.
    /// @param miner The miner.
    /// @param amount The amount moved to unbonding.
    /// @param unbondingEnd The block from which it can be withdrawn.
    event WithdrawalRequested(address indexed miner, uint256 amount, uint64 unbondingEnd);

    /// @notice A miner withdrew its unbonded stake.
    /// @param miner The miner.
    /// @param amount The amount paid.
    event Withdrawn(address indexed miner, uint256 amount);

    /// @notice The parameters role changed the economic parameters.
    /// @param minimumStake The new minimum stake.
    /// @param missedProofPenalty The new missed-proof penalty.
    /// @param invalidProofPenalty The new invalid-proof penalty.
    /// @param batchFee The new batch fee.
    event EconomicsUpdated(
        uint256 minimumStake,
        uint256 missedProofPenalty,
        uint256 invalidProofPenalty,
        uint256 batchFee
    );

    /// @notice A miner withdrew a commit whose commit window had not started (its predecessor is not verified), or
    /// one made before the last emergency or verifier upgrade; it paid nothing.
    /// @param sequence The sequence.
    /// @param round The round.
    /// @param miner The miner.
    event CommitWithdrawn(uint64 indexed sequence, uint32 indexed round, address indexed miner);

    /// @notice The rollup entered the emergency state: commits, reveals and sequencing stop; stake can leave at
    /// once with {emergencyExit}; commits made before it cost nothing.
    /// @param by The admin, or anyone once the oldest unverified sequence waited emergencyTimeout blocks.
    event EmergencyEntered(address indexed by);

    /// @notice The admin ended the emergency state; the oldest unverified sequence's windows start again.
    event EmergencyLeft();

    /// @notice A miner left with all its stake and unbonding stake during the emergency state.
    /// @param miner The miner.
    /// @param amount The amount paid.
    event EmergencyExit(address indexed miner, uint256 amount);

    /// @notice A verifier upgrade was scheduled; it can be applied from block `activatesAt`.
    /// @param verifier The new verifier.
    /// @param activatesAt The first block it can be applied in.
    event VerifierUpgradeScheduled(ISequenceVerifier indexed verifier, uint64 activatesAt);

    /// @notice The scheduled verifier upgrade was cancelled.
    /// @param verifier The verifier that was scheduled.
    event VerifierUpgradeCancelled(ISequenceVerifier indexed verifier);

    /// @notice The scheduled verifier upgrade was applied: reveals are checked by the new verifier, and commits made
    /// before it cost nothing.
    /// @param previous The verifier replaced.
    /// @param verifier The verifier now in force.
    event VerifierUpgraded(ISequenceVerifier indexed previous, ISequenceVerifier indexed verifier);

    // ------------------------------------------------------------------------------------------------------------
    // Errors
    // ------------------------------------------------------------------------------------------------------------

    /// @notice A configuration value is out of range.
    /// @param field The field's name.
    error InvalidConfig(string field);
    /// @notice A sequence must hold from 1 to maxBatchesPerSequence batches.
    /// @param batches The batches given.
    error SequenceLengthOutOfRange(uint256 batches);
    /// @notice No sequence starts at this batch.
    /// @param sequence The number asked for.
    error UnknownSequence(uint64 sequence);
    /// @notice The sequence is already verified: it takes no more commits.
    /// @param sequence The sequence.
    error SequenceAlreadyVerified(uint64 sequence);
    /// @notice The miner's stake is below the minimum stake.
    /// @param stake The miner's stake.
    /// @param minimumStake The minimum.
    error InsufficientStake(uint256 stake, uint256 minimumStake);
    /// @notice The commit window of the current round is closed.
    /// @param sequence The sequence.
    /// @param round The round.
    error CommitWindowClosed(uint64 sequence, uint32 round);
    /// @notice The miner already committed in this round.
    /// @param sequence The sequence.
    /// @param round The round.
    error AlreadyCommitted(uint64 sequence, uint32 round);
    /// @notice A proofHash of zero cannot be committed.
    error EmptyProofHash();
    /// @notice The miner has no open commit to reveal or settle in this round.
    /// @param sequence The sequence.
    /// @param round The round.
    /// @param miner The miner.
    error NoOpenCommit(uint64 sequence, uint32 round, address miner);
    /// @notice The reveal window has not opened: T1 runs, or the preceding sequence is not verified yet.
    /// @param sequence The sequence.
    /// @param round The round.
    error RevealWindowNotOpen(uint64 sequence, uint32 round);
    /// @notice The reveal window closed and no proof of the round verified (or the late window closed too).
    /// @param sequence The sequence.
    /// @param round The round.
    error RevealWindowClosed(uint64 sequence, uint32 round);
    /// @notice The revealed proof does not hash, with the sender's address, to the sender's commit.
    /// @param expected The committed proofHash.
    /// @param actual The proofHash of what was revealed.
    error ProofHashMismatch(bytes32 expected, bytes32 actual);
    /// @notice The proof's shape does not fit the sequence (one proof and one root per batch).
    /// @param batches The sequence's batches.
    /// @param proofs The proofs given.
    /// @param roots The roots given.
    error ProofShapeMismatch(uint256 batches, uint256 proofs, uint256 roots);
    /// @notice The batch commitments given (or, after the sequence was verified, the proof's oldStateRoot) do not
    /// match the sequence's.
    /// @param sequence The sequence.
    error BatchHashesMismatch(uint64 sequence);
    /// @notice sequenceBatches needs one batchHash per batch.
    /// @param batches The batches given.
    /// @param batchHashes The batchHashes given.
    error BatchHashCountMismatch(uint256 batches, uint256 batchHashes);
    /// @notice No batch at this position of the sequence.
    /// @param index The position given.
    /// @param batches The sequence's batches.
    error BatchIndexOutOfRange(uint256 index, uint256 batches);
    /// @notice The data given is not the batch's posted data (its point differs).
    /// @param sequence The sequence.
    /// @param index The batch's position in the sequence.
    error BatchDataMismatch(uint64 sequence, uint256 index);
    /// @notice The batch's batchHash is the one its data gives: there is nothing to correct.
    /// @param sequence The sequence.
    /// @param index The batch's position in the sequence.
    error BatchHashCorrect(uint64 sequence, uint256 index);
    /// @notice The commit cannot be settled yet (its round is still running) or is already settled.
    /// @param sequence The sequence.
    /// @param round The round.
    /// @param miner The miner.
    error CommitNotSettleable(uint64 sequence, uint32 round, address miner);
    /// @notice The reward of this sequence cannot be claimed (yet) by this miner.
    /// @param sequence The sequence.
    /// @param miner The miner.
    error NothingToClaim(uint64 sequence, address miner);
    /// @notice The amount is zero or more than the miner has.
    /// @param amount The amount asked for.
    /// @param available What the miner has.
    error InvalidAmount(uint256 amount, uint256 available);
    /// @notice The unbonding delay has not passed yet.
    /// @param unbondingEnd The block from which the stake can be withdrawn.
    error StillUnbonding(uint64 unbondingEnd);
    /// @notice Stake backs open commits: it cannot leave until their rounds are settled.
    /// @param openCommits The miner's open commits.
    error CommitsStillOpen(uint64 openCommits);

    /// @notice The commit cannot be withdrawn: its commit window started (its predecessor is verified).
    /// @param sequence The sequence.
    /// @param round The round.
    /// @param miner The miner.
    error CommitNotWithdrawable(uint64 sequence, uint32 round, address miner);
    /// @notice Not allowed in the emergency state.
    error InEmergency();
    /// @notice Only allowed in the emergency state.
    error NotInEmergency();
    /// @notice Only the admin may enter the emergency state before the oldest unverified sequence waited
    /// emergencyTimeout blocks.
    /// @param dueAt The first block anyone may enter it (0 while no sequence waits).
    error EmergencyNotDue(uint64 dueAt);
    /// @notice No verifier upgrade is scheduled.
    error NoVerifierUpgrade();
    /// @notice The verifier upgrade's delay has not passed.
    /// @param activatesAt The first block it can be applied in.
    error VerifierUpgradeNotDue(uint64 activatesAt);

    // ------------------------------------------------------------------------------------------------------------
    // Functions
    // ------------------------------------------------------------------------------------------------------------

    /// @notice Posts a sequence of batches; pays batchFee per batch from the sender into its reward.
    /// @dev Only the sequencer role; not while paused. A batch is 1 to batchSize whole transfers of
    /// 2 * ceil(treeDepth / 8) + 72 bytes: everything a prover needs (see {BatchHash}). The sequencer computes each
    /// batchHash off-chain; the contract derives each batch's dataPoint and dataEvaluation from calldata. A wrong
    /// batchHash makes its batch unprovable until anyone corrects it ({correctBatchHash}).
    /// @param batches The batches' posted data, in order.
    /// @param batchHashes The batchHash of each batch (Poseidon over its data, see {BatchHash-hash}).
    /// @return sequence The sequence's number (its first batch).
    function sequenceBatches(
        bytes[] calldata batches,
        uint256[] calldata batchHashes
    ) external returns (uint64 sequence);

    /// @notice Replaces a batch's batchHash that is not the Poseidon commitment of its data, so that no sequencer
    /// mistake can leave a posted batch unprovable. Anyone may call it while the sequence is unverified; it costs
    /// the Poseidon hashing of the whole batch on chain (about 22k gas per 31 bytes).
    /// @param sequence The sequence.
    /// @param batches The sequence's batch commitments (as emitted by SequenceSubmitted or BatchHashCorrected).
    /// @param index The batch's position in the sequence.
    /// @param data The batch's posted data.
    function correctBatchHash(
        uint64 sequence,
        BatchCommitment[] calldata batches,
        uint256 index,
        bytes calldata data
    ) external;

    /// @notice Commits a proofHash for a sequence. The first commit of a round opens its commit window (T1).
    /// @dev Needs minimumStake; not while paused. proofHash = keccak256(abi.encodePacked(keccak256(abi.encode(
    /// proof)), msg.sender)): the sender is inside, so a revealed proof cannot be committed by anyone else.
    /// @param sequence The sequence.
    /// @param proofHash The proofHash.
    function commitProofHash(uint64 sequence, bytes32 proofHash) external;

    /// @notice Reveals the sender's committed proof of a sequence, after T1 and within T2 (or later, if another
    /// proof of the round verified, until the late window ends). A valid proof earns a share of the reward and the
    /// first one finalises the sequence; a proof that does not verify costs the invalid-proof penalty.
    /// @param sequence The sequence.
    /// @param batches The commitment of each of the sequence's batches (as emitted by SequenceSubmitted).
    /// @param proof The proof.
    function revealProof(uint64 sequence, BatchCommitment[] calldata batches, SequenceProof calldata proof) external;

    /// @notice Settles a commit that delivered no valid proof: the miner pays the missed-proof penalty and its
    /// stake is free of the commit. Anyone may call it once the commit's round failed or its late window closed.
    /// @param sequence The sequence.
    /// @param round The round of the commit.
    /// @param miner The miner who committed.
    function settleMissedCommit(uint64 sequence, uint32 round, address miner) external;

    /// @notice Withdraws the sender's commit of the current round of a sequence, at no cost, while the sequence's
    /// commit window has not started (its predecessor is not verified yet), or if the commit was made before the
    /// last emergency or verifier upgrade. Frees the stake that backed it.
    /// @param sequence The sequence.
    function withdrawCommit(uint64 sequence) external;

    /// @notice Pays the sender's share of a verified sequence's reward, once the late window closed.
    /// @param sequence The sequence.
    /// @return amount The amount paid.
    function claimReward(uint64 sequence) external returns (uint256 amount);

    /// @notice Deposits stake.
    /// @param amount The amount, pulled from the sender (it must approve first).
    function stake(uint256 amount) external;

    /// @notice Moves stake to unbonding; it can be withdrawn after unbondingDelay blocks, once no commit is open.
    /// A new request restarts the delay for everything unbonding.
    /// @param amount The amount.
    function requestWithdrawal(uint256 amount) external;

    /// @notice Pays out the sender's unbonded stake, all but what its open commits may still need (their backing
    /// beyond its stake).
    /// @return amount The amount paid.
    function withdraw() external returns (uint256 amount);

    /// @notice In the emergency state, pays out all of the sender's stake and unbonding stake at once: no delay, no
    /// open commit holds it back.
    /// @return amount The amount paid.
    function emergencyExit() external returns (uint256 amount);

    /// @notice Enters the emergency state: commits, reveals and sequencing stop, commits made before cost nothing,
    /// and stake can leave with {emergencyExit}.
    /// @dev The admin role at any time; anyone once the oldest unverified sequence waited emergencyTimeout blocks.
    function enterEmergency() external;

    /// @notice Ends the emergency state (and the pause that came with it); the oldest unverified sequence's commit
    /// window starts again from this block.
    /// @dev Only the admin role.
    function leaveEmergency() external;

    /// @notice Schedules a new verifier, applicable after verifierUpgradeDelay blocks; replaces a scheduled one.
    /// @dev Only the admin role.
    /// @param verifier The new verifier.
    function scheduleVerifierUpgrade(ISequenceVerifier verifier) external;

    /// @notice Cancels the scheduled verifier upgrade.
    /// @dev Only the admin role.
    function cancelVerifierUpgrade() external;

    /// @notice Applies the scheduled verifier upgrade once its delay passed. Anyone may call it.
    function applyVerifierUpgrade() external;

    /// @notice The scheduled verifier upgrade (zero address while none).
    /// @return verifier The verifier scheduled.
    /// @return activatesAt The first block it can be applied in.
    function pendingVerifierUpgrade() external view returns (ISequenceVerifier verifier, uint64 activatesAt);

    /// @notice Whether the rollup is in the emergency state.
    /// @return active True in the emergency state.
    /// @return since The block it was entered (0 if never).
    function emergencyState() external view returns (bool active, uint64 since);

    /// @notice Changes the economic parameters for commits made from now on; windows, sizes and token never change.
    /// @dev Only the parameters role. The penalties in force when a commit is made apply to it. Bounds: a minimum
    /// stake and a missed-proof penalty above zero, an invalid-proof penalty at least the missed one and below
    /// 2^96.
    /// @param minimumStake The minimum stake.
    /// @param missedProofPenalty The missed-proof penalty.
    /// @param invalidProofPenalty The invalid-proof penalty (at least the missed one).
    /// @param batchFee The batch fee.
    function setEconomics(
        uint256 minimumStake,
        uint256 missedProofPenalty,
        uint256 invalidProofPenalty,
        uint256 batchFee
    ) external;

    /// @notice Stops sequencing and commits. Reveals, settlements, claims and withdrawals go on.
    /// @dev Only the admin role.
    function pause() external;

    /// @notice Lifts a pause.
    /// @dev Only the admin role.
    function unpause() external;

    /// @notice The deployment's configuration.
    /// @return config The configuration.
    function getConfig() external view returns (Config memory config);

    /// @notice What the contract keeps of a sequence.
    /// @param sequence The sequence.
    /// @return info The sequence.
    function getSequence(uint64 sequence) external view returns (SequenceInfo memory info);

    /// @notice A sequence's reward.
    /// @param sequence The sequence.
    /// @return info The reward.
    function getReward(uint64 sequence) external view returns (RewardInfo memory info);

    /// @notice A miner's stake.
    /// @param miner The miner.
    /// @return info The miner.
    function getMiner(address miner) external view returns (MinerInfo memory info);

    /// @notice A commit's status.
    /// @param sequence The sequence.
    /// @param round The round.
    /// @param miner The miner.
    /// @return status The status.
    function commitStatus(uint64 sequence, uint32 round, address miner) external view returns (CommitStatus status);

    /// @notice The rollup's current state root: the new state root of the last verified sequence.
    /// @return root The state root.
    function stateRoot() external view returns (uint256 root);

    /// @notice The last batch of the last verified sequence (0 before any).
    /// @return batch The batch number.
    function lastVerifiedBatch() external view returns (uint64 batch);

    /// @notice The last batch posted (0 before any).
    /// @return batch The batch number.
    function lastBatch() external view returns (uint64 batch);

    /// @notice Penalties and dust waiting for the next verified sequence's reward.
    /// @return amount The carry.
    function carry() external view returns (uint256 amount);

    /// @notice The proofHash a miner commits for a proof.
    /// @param proof The proof.
    /// @param miner The miner.
    /// @return proofHash keccak256(abi.encodePacked(keccak256(abi.encode(proof)), miner)).
    function computeProofHash(SequenceProof calldata proof, address miner) external pure returns (bytes32 proofHash);
}
