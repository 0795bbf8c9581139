// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {ISequenceVerifier} from "./interfaces/ISequenceVerifier.sol";
import {IZkPowRollup} from "./interfaces/IZkPowRollup.sol";
import {BatchHash} from "./libraries/BatchHash.sol";

/// @title ZkPowRollup
/// @notice See {IZkPowRollup}. docs/protocol.md states the rules this contract enforces.
/// @dev The reentrancy guard lives in transient storage (EIP-1153: Ethereum since Cancun, BNB Chain since Haber,
/// Polygon PoS since Napoli). revealProof has none: its only external call is a STATICCALL to the verifier.
// State variables are packed into slots by hand (the hot ones with Pausable's flag, which only top-level variables
// can share): grouping them into structs to please the count would break the packing.
// solhint-disable-next-line max-states-count
contract ZkPowRollup is IZkPowRollup, AccessControl, Pausable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    /// @notice May post sequences.
    bytes32 public constant SEQUENCER_ROLE = keccak256("SEQUENCER_ROLE");
    /// @notice May change the economic parameters.
    bytes32 public constant PARAMETERS_ROLE = keccak256("PARAMETERS_ROLE");

    /// @dev The BN254 scalar field modulus: state roots are field elements.
    uint256 private constant _SNARK_SCALAR_FIELD =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;

    // The configuration that never changes: immutables cost no storage reads on the hot paths.
    uint64 private immutable _chainId;
    uint32 private immutable _batchSize;
    uint8 private immutable _treeDepth;
    uint256 private immutable _transferBytes;
    uint32 private immutable _maxBatchesPerSequence;
    uint64 private immutable _commitWindow;
    uint64 private immutable _revealWindow;
    uint64 private immutable _unbondingDelay;
    uint64 private immutable _emergencyTimeout;
    uint64 private immutable _verifierUpgradeDelay;
    IERC20 private immutable _token;
    /// @dev The verifier the rollup was deployed with; after an upgrade, `_upgradedVerifier` (flag `_UPGRADED`).
    ISequenceVerifier private immutable _verifier;

    // The economics. A commit reads the pause flag, the minimum stake, the invalid-proof penalty and the economics
    // epoch: declared first and sized to fit, they share one slot with Pausable's `_paused` flag (1 byte + 12 + 12 +
    // 3 + 3), which state variables of derived contracts pack into. uint96 still holds 7 * 10^10 tokens of 18
    // decimals.
    uint96 private _minimumStake;
    uint96 private _invalidProofPenalty;
    /// @dev Bumped by every change of the penalties, every emergency and every verifier upgrade; a commit records
    /// the epoch it was made in, and pays the penalties of that epoch.
    uint24 private _epoch;
    /// @dev Commits of an epoch below this one were made before the last emergency or verifier upgrade: they cost
    /// nothing.
    uint24 private _forgivenBelow;
    uint128 private _missedProofPenalty;
    uint128 private _batchFee;
    /// @dev The missed-proof penalty of each epoch (the invalid one is in each commit's record).
    mapping(uint24 epoch => uint256 penalty) private _missedPenaltyOf;

    /// @dev One storage slot: everything a commit and a reveal read and write about the sequence. 48 bits hold
    /// any batch or block number for millions of years at a block per second.
    struct SequenceCore {
        uint48 lastBatch;
        uint32 round;
        uint48 commitStart;
        uint48 verifiedAt;
        uint48 revealStart;
        uint32 validProofs;
    }

    /// @dev One storage slot. `amount` is the reward pot until the split, then each prover's share.
    struct Reward {
        uint128 amount;
        bool split;
    }

    struct Sequence {
        SequenceCore core;
        /// @dev keccak256(abi.encode(BatchCommitment[])); once verified, keccak256(abi.encode(that, oldStateRoot)).
        bytes32 commitment;
        Reward reward;
    }

    /// @dev The first slot is all a commit touches. `backing` is the sum of the invalid-proof penalties (fixed at
    /// commit) of the open commits: what they can still cost.
    struct Miner {
        uint96 stake;
        uint32 openCommits;
        uint128 backing;
        uint128 unbonding;
        uint64 unbondingEnd;
    }

    mapping(uint64 sequence => Sequence) private _sequences;
    /// @dev The commit record, one slot: the proofHash's upper 128 bits, the commit's backing (its invalid-proof
    /// penalty, 96 bits), its economics epoch (24 bits), an opener flag (0x80) and the CommitStatus (low 4 bits). A
    /// preimage search for 128 bits is 2^128 work; a collision (2^64) gains nothing, since both proofs would be the
    /// committer's own.
    mapping(uint64 sequence => mapping(uint32 round => mapping(address miner => bytes32 record))) private _commits;
    mapping(address miner => Miner) private _miners;

    uint256 private _stateRoot;
    // One slot: a reveal that verifies a sequence reads and writes all four. 48 bits as in SequenceCore; 112 bits
    // of carry are 5 * 10^15 tokens of 18 decimals.
    uint48 private _lastBatch;
    uint48 private _lastVerifiedBatch;
    /// @dev The block since which the oldest unverified sequence waits: its predecessor's verification, its posting
    /// if later (nothing was pending), or the end of the last emergency. Its commit window starts no earlier.
    uint48 private _lastVerifiedAt;
    uint104 private _carry;
    /// @dev `_EMERGENCY` and `_UPGRADED`: in the slot a reveal reads anyway.
    uint8 private _flags;

    uint8 private constant _EMERGENCY = 1;
    uint8 private constant _UPGRADED = 2;
    /// @dev The commit record's parts (see `_commits`).
    uint256 private constant _HASH_MASK = type(uint256).max << 128;
    uint256 private constant _STATUS_MASK = 0x0f;
    uint256 private constant _OPENER = 0x80;
    /// @dev The BN254 base field modulus (point coordinates live below it).
    uint256 private constant _BASE_FIELD =
        21888242871839275222246405745257275088696311157297823662689037894645226208583;

    // Emergency state and verifier upgrade: cold paths, one slot each.
    ISequenceVerifier private _upgradedVerifier;
    uint48 private _emergencySince;
    ISequenceVerifier private _pendingVerifier;
    uint48 private _pendingVerifierAt;

    /// @param config The deployment's configuration (see {IZkPowRollup-Config}).
    /// @param genesisStateRoot The L2's genesis state root.
    /// @param admin Receives the admin and parameters roles.
    /// @param sequencer Receives the sequencer role (none if zero).
    constructor(Config memory config, uint256 genesisStateRoot, address admin, address sequencer) {
        if (config.chainId == 0) revert InvalidConfig("chainId");
        if (config.batchSize == 0) revert InvalidConfig("batchSize");
        if (config.treeDepth == 0 || config.treeDepth > 32) revert InvalidConfig("treeDepth");
        if (config.maxBatchesPerSequence == 0) revert InvalidConfig("maxBatchesPerSequence");
        if (config.commitWindow == 0) revert InvalidConfig("commitWindow");
        if (config.revealWindow == 0) revert InvalidConfig("revealWindow");
        if (address(config.token) == address(0)) revert InvalidConfig("token");
        if (address(config.verifier) == address(0)) revert InvalidConfig("verifier");
        if (config.emergencyTimeout == 0) revert InvalidConfig("emergencyTimeout");
        if (
            uint256(config.verifierUpgradeDelay) <
            uint256(config.unbondingDelay) + config.commitWindow + 2 * uint256(config.revealWindow)
        ) revert InvalidConfig("verifierUpgradeDelay");
        if (genesisStateRoot >= _SNARK_SCALAR_FIELD) revert InvalidConfig("genesisStateRoot");
        if (admin == address(0)) revert InvalidConfig("admin");

        _chainId = config.chainId;
        _batchSize = config.batchSize;
        _treeDepth = config.treeDepth;
        _transferBytes = BatchHash.transferBytes(config.treeDepth);
        _maxBatchesPerSequence = config.maxBatchesPerSequence;
        _commitWindow = config.commitWindow;
        _revealWindow = config.revealWindow;
        _unbondingDelay = config.unbondingDelay;
        _emergencyTimeout = config.emergencyTimeout;
        _verifierUpgradeDelay = config.verifierUpgradeDelay;
        _token = config.token;
        _verifier = config.verifier;
        _setEconomics(config.minimumStake, config.missedProofPenalty, config.invalidProofPenalty, config.batchFee);
        _stateRoot = genesisStateRoot;

        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PARAMETERS_ROLE, admin);
        if (sequencer != address(0)) _grantRole(SEQUENCER_ROLE, sequencer);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Sequencing
    // ------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IZkPowRollup
    function sequenceBatches(
        bytes[] calldata batches,
        uint256[] calldata batchHashes
    ) external onlyRole(SEQUENCER_ROLE) whenNotPaused nonReentrant returns (uint64 sequence) {
        uint256 count = batches.length;
        if (count == 0 || count > _maxBatchesPerSequence) revert SequenceLengthOutOfRange(count);
        if (batchHashes.length != count) revert BatchHashCountMismatch(count, batchHashes.length);
        _startHeadClock();

        BatchCommitment[] memory commitments = new BatchCommitment[](count);
        for (uint256 i = 0; i < count; ++i) {
            commitments[i] = BatchHash.commit(_chainId, batches[i], batchHashes[i], _batchSize, _transferBytes);
        }

        sequence = uint64(_lastBatch) + 1;
        uint64 last = uint64(_lastBatch) + uint64(count);
        _lastBatch = uint256(last).toUint48();
        uint256 fee = uint256(_batchFee) * count;
        Sequence storage stored = _sequences[sequence];
        stored.core.lastBatch = uint256(last).toUint48();
        stored.commitment = keccak256(abi.encode(commitments));
        stored.reward.amount = fee.toUint128();
        emit SequenceSubmitted(sequence, last, commitments, fee);

        if (fee > 0) _token.safeTransferFrom(msg.sender, address(this), fee);
    }

    /// @inheritdoc IZkPowRollup
    function correctBatchHash(
        uint64 sequence,
        BatchCommitment[] calldata batches,
        uint256 index,
        bytes calldata data
    ) external {
        Sequence storage stored = _sequences[sequence];
        SequenceCore memory core = stored.core;
        if (core.lastBatch == 0) revert UnknownSequence(sequence);
        if (core.verifiedAt != 0) revert SequenceAlreadyVerified(sequence);
        if (keccak256(abi.encode(batches)) != stored.commitment) revert BatchHashesMismatch(sequence);
        if (index >= batches.length) revert BatchIndexOutOfRange(index, batches.length);
        // The point hashes the data with the posted batchHash: only the posted data has it.
        if (BatchHash.point(batches[index].batchHash, data) != batches[index].dataPoint) {
            revert BatchDataMismatch(sequence, index);
        }
        uint256 batchHash = BatchHash.hash(_chainId, data, _batchSize, _transferBytes);
        if (batchHash == batches[index].batchHash) revert BatchHashCorrect(sequence, index);

        BatchCommitment[] memory corrected = batches;
        corrected[index] = BatchHash.commit(_chainId, data, batchHash, _batchSize, _transferBytes);
        stored.commitment = keccak256(abi.encode(corrected));
        emit BatchHashCorrected(sequence, index, corrected[index]);
    }

    // ------------------------------------------------------------------------------------------------------------
    // The two-step commit
    // ------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IZkPowRollup
    function commitProofHash(uint64 sequence, bytes32 proofHash) external whenNotPaused {
        if (uint256(proofHash) >> 8 == 0) revert EmptyProofHash();
        Sequence storage stored = _sequences[sequence];
        SequenceCore memory core = stored.core;
        if (core.lastBatch == 0) revert UnknownSequence(sequence);
        if (core.verifiedAt != 0) revert SequenceAlreadyVerified(sequence);

        Miner storage miner = _miners[msg.sender];
        uint256 required = _requiredStake(miner.backing);
        if (miner.stake < required) revert InsufficientStake(miner.stake, required);

        // Within T1 the round cannot have failed: only past it is the (costlier) failure check needed.
        bool opened =
            core.commitStart == 0 || (block.number >= core.commitStart + _commitWindow && _roundFailed(sequence, core));
        if (opened) {
            core.round += 1;
            core.commitStart = block.number.toUint48();
            stored.core = core;
        } else if (block.number >= core.commitStart + _commitWindow && _commitWindowClosed(sequence, core)) {
            revert CommitWindowClosed(sequence, core.round);
        }
        mapping(address => bytes32) storage roundCommits = _commits[sequence][core.round];
        if (roundCommits[msg.sender] != 0) revert AlreadyCommitted(sequence, core.round);

        uint256 backing = _invalidProofPenalty;
        roundCommits[msg.sender] = _newRecord(proofHash, backing, opened);
        miner.openCommits += 1;
        miner.backing += uint128(backing);
        if (opened) emit RoundOpened(sequence, core.round, uint64(core.commitStart));
        emit ProofHashCommitted(sequence, core.round, msg.sender, proofHash);
    }

    /// @inheritdoc IZkPowRollup
    function revealProof(uint64 sequence, BatchCommitment[] calldata batches, SequenceProof calldata proof) external {
        _requireNoEmergency();
        Sequence storage stored = _sequences[sequence];
        SequenceCore memory core = stored.core;
        if (core.lastBatch == 0) revert UnknownSequence(sequence);
        bytes32 record = _commits[sequence][core.round][msg.sender];
        if (_status(record) != CommitStatus.Committed) revert NoOpenCommit(sequence, core.round, msg.sender);

        bool first = core.verifiedAt == 0;
        bytes32 batchHashesDigest = keccak256(abi.encode(batches));
        (bool late, uint256 oldStateRoot) = _checkRevealWindow(sequence, stored, core, batchHashesDigest, proof);

        {
            bytes32 proofHash = _proofHash(proof, msg.sender);
            if (_record(proofHash, CommitStatus.None) != _record(record, CommitStatus.None)) {
                revert ProofHashMismatch(_record(record, CommitStatus.None), _record(proofHash, CommitStatus.None));
            }
        }
        uint256 batchCount = core.lastBatch - sequence + 1;
        // A proof of the wrong shape or with a malformed encoding cannot verify: an invalid proof, found cheaply.
        bool wellFormed = _wellFormed(proof, batchCount);

        // A proof from another root than the sequence's is a proof of something else: it does not count.
        if (!wellFormed || proof.oldStateRoot != oldStateRoot || !_verify(batches, proof, msg.sender)) {
            // The record's upper bits are the proofHash (checked above): only the status changes.
            _commits[sequence][core.round][msg.sender] = _record(record, CommitStatus.ProofInvalid);
            _release(_miners[msg.sender], record);
            uint256 penalty = _takePenalty(_miners[msg.sender], _penaltyOf(record, true));
            // Reveals end before the split, so the penalty always joins this sequence's reward.
            stored.reward.amount += penalty.toUint128();
            emit ProofRejected(sequence, core.round, msg.sender, penalty);
            return;
        }

        _commits[sequence][core.round][msg.sender] = _record(record, CommitStatus.ProofVerified);
        core.validProofs += 1;
        if (first) {
            _finalise(sequence, stored, core, batchHashesDigest, oldStateRoot, proof.newStateRoots[batchCount - 1]);
        } else {
            stored.core = core;
            emit ProofVerified(sequence, core.round, msg.sender, late);
        }
    }

    /// @dev Checks that a reveal falls in its window and the batch commitments are the sequence's; returns whether it is
    /// late and the root the sequence is proven from. For the first valid proof, records the reveal window's start
    /// in `core` (memory; the caller stores it).
    function _checkRevealWindow(
        uint64 sequence,
        Sequence storage stored,
        SequenceCore memory core,
        bytes32 batchHashesDigest,
        SequenceProof calldata proof
    ) private view returns (bool late, uint256 oldStateRoot) {
        if (core.verifiedAt == 0) {
            (uint64 revealStart, bool open) = _revealStart(sequence, core);
            if (!open || block.number < revealStart) revert RevealWindowNotOpen(sequence, core.round);
            if (block.number >= revealStart + _revealWindow) revert RevealWindowClosed(sequence, core.round);
            if (batchHashesDigest != stored.commitment) revert BatchHashesMismatch(sequence);
            core.revealStart = uint48(revealStart);
            return (false, _stateRoot);
        }
        if (block.number >= core.revealStart + 2 * _revealWindow) revert RevealWindowClosed(sequence, core.round);
        // The first valid proof recorded the root it started from in the commitment.
        if (keccak256(abi.encode(batchHashesDigest, proof.oldStateRoot)) != stored.commitment) {
            revert BatchHashesMismatch(sequence);
        }
        return (block.number >= core.revealStart + _revealWindow, proof.oldStateRoot);
    }

    /// @dev The first valid proof: the sequence is verified and the rollup's state moves on. Stores `core`.
    function _finalise(
        uint64 sequence,
        Sequence storage stored,
        SequenceCore memory core,
        bytes32 batchHashesDigest,
        uint256 oldStateRoot,
        uint256 newStateRoot
    ) private {
        core.verifiedAt = block.number.toUint48();
        stored.commitment = keccak256(abi.encode(batchHashesDigest, oldStateRoot));
        uint256 carried = _carry;
        if (carried != 0) {
            stored.reward.amount += carried.toUint128();
            _carry = 0;
        }
        _stateRoot = newStateRoot;
        _lastVerifiedBatch = core.lastBatch;
        _lastVerifiedAt = block.number.toUint48();
        stored.core = core;
        emit SequenceVerified(sequence, msg.sender, core.round, core.lastBatch, newStateRoot);
    }

    /// @inheritdoc IZkPowRollup
    function settleMissedCommit(uint64 sequence, uint32 round, address miner) external {
        Sequence storage stored = _sequences[sequence];
        SequenceCore memory core = stored.core;
        bytes32 record = _commits[sequence][round][miner];
        if (_status(record) != CommitStatus.Committed) revert CommitNotSettleable(sequence, round, miner);

        bool settleable;
        if (round < core.round) {
            // A later round opens only after this one failed.
            settleable = true;
        } else if (core.verifiedAt != 0) {
            settleable = block.number >= core.revealStart + 2 * _revealWindow;
        } else {
            settleable = _roundFailed(sequence, core);
        }
        if (!settleable) revert CommitNotSettleable(sequence, round, miner);

        _commits[sequence][round][miner] = _record(record, CommitStatus.Missed);
        Miner storage minerStake = _miners[miner];
        _release(minerStake, record);
        // The opener of a round that failed pays the invalid-proof penalty: opening T1 with nothing to reveal is
        // how a round is griefed (docs/protocol.md).
        bool failed = round < core.round || core.verifiedAt == 0;
        uint256 penalty = _takePenalty(minerStake, _penaltyOf(record, failed && uint256(record) & _OPENER != 0));
        if (stored.reward.split) {
            _addToCarry(penalty);
        } else {
            // Paid to whoever proves this sequence (still open), or to its provers at the split.
            stored.reward.amount += penalty.toUint128();
        }
        emit CommitMissed(sequence, round, miner, penalty);
    }

    /// @inheritdoc IZkPowRollup
    function claimReward(uint64 sequence) external nonReentrant returns (uint256 amount) {
        Sequence storage stored = _sequences[sequence];
        SequenceCore memory core = stored.core;
        bytes32 record = _commits[sequence][core.round][msg.sender];
        if (
            core.verifiedAt == 0 ||
            _status(record) != CommitStatus.ProofVerified ||
            block.number < core.revealStart + 2 * _revealWindow
        ) revert NothingToClaim(sequence, msg.sender);

        Reward memory reward = stored.reward;
        if (!reward.split) {
            // Fix the split once, when the late window has closed and no valid proof can join.
            uint256 pot = reward.amount;
            uint256 share = pot / core.validProofs;
            uint256 dust = pot - share * core.validProofs;
            reward = Reward({amount: share.toUint128(), split: true});
            stored.reward = reward;
            emit RewardSplit(sequence, pot, share, dust);
            if (dust > 0) _addToCarry(dust);
        }
        amount = reward.amount;
        _commits[sequence][core.round][msg.sender] = _record(record, CommitStatus.RewardClaimed);
        // A valid proof's commit closes here, not at the reveal: the reveal stays within its gas target.
        _release(_miners[msg.sender], record);
        emit RewardClaimed(sequence, msg.sender, amount);
        if (amount > 0) _token.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IZkPowRollup
    function withdrawCommit(uint64 sequence) external {
        SequenceCore memory core = _sequences[sequence].core;
        bytes32 record = _commits[sequence][core.round][msg.sender];
        if (_status(record) != CommitStatus.Committed) revert NoOpenCommit(sequence, core.round, msg.sender);
        // Sequences verify in order: the predecessor is pending iff the last verified batch is below it.
        bool waiting = core.verifiedAt == 0 && uint64(_lastVerifiedBatch) + 1 < sequence;
        if (!waiting && _penaltyOf(record, true) != 0) revert CommitNotWithdrawable(sequence, core.round, msg.sender);

        _commits[sequence][core.round][msg.sender] = _record(record, CommitStatus.Withdrawn);
        _release(_miners[msg.sender], record);
        emit CommitWithdrawn(sequence, core.round, msg.sender);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Stake
    // ------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IZkPowRollup
    function stake(uint256 amount) external nonReentrant {
        if (amount == 0) revert InvalidAmount(0, 0);
        Miner storage miner = _miners[msg.sender];
        uint256 staked = miner.stake + amount;
        miner.stake = staked.toUint96();
        emit Staked(msg.sender, amount, staked);
        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IZkPowRollup
    function requestWithdrawal(uint256 amount) external {
        Miner storage miner = _miners[msg.sender];
        if (amount == 0 || amount > miner.stake) revert InvalidAmount(amount, miner.stake);
        // Cannot underflow: amount <= miner.stake was checked above.
        unchecked {
            miner.stake -= uint96(amount);
        }
        miner.unbonding += amount.toUint128();
        uint64 unbondingEnd = uint64(block.number) + _unbondingDelay;
        miner.unbondingEnd = unbondingEnd;
        emit WithdrawalRequested(msg.sender, amount, unbondingEnd);
    }

    /// @inheritdoc IZkPowRollup
    function withdraw() external nonReentrant returns (uint256 amount) {
        Miner storage miner = _miners[msg.sender];
        uint256 unbonding = miner.unbonding;
        if (unbonding == 0) revert InvalidAmount(0, 0);
        if (block.number < miner.unbondingEnd) revert StillUnbonding(miner.unbondingEnd);
        // Penalties come from stake first: unbonding stake backs only what the stake does not cover.
        uint256 needed = miner.backing > miner.stake ? miner.backing - miner.stake : 0;
        if (unbonding <= needed) revert CommitsStillOpen(miner.openCommits);
        // Cannot underflow: unbonding > needed was checked above.
        unchecked {
            amount = unbonding - needed;
        }
        miner.unbonding = uint128(needed);
        emit Withdrawn(msg.sender, amount);
        _token.safeTransfer(msg.sender, amount);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Administration
    // ------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IZkPowRollup
    function setEconomics(
        uint256 minimumStake,
        uint256 missedProofPenalty,
        uint256 invalidProofPenalty,
        uint256 batchFee
    ) external onlyRole(PARAMETERS_ROLE) {
        _setEconomics(minimumStake, missedProofPenalty, invalidProofPenalty, batchFee);
    }

    /// @inheritdoc IZkPowRollup
    function pause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _pause();
    }

    /// @inheritdoc IZkPowRollup
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _requireNoEmergency();
        _unpause();
    }

    // ------------------------------------------------------------------------------------------------------------
    // Emergency state and verifier upgrade
    // ------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IZkPowRollup
    function enterEmergency() external {
        _requireNoEmergency();
        if (!hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) {
            uint64 dueAt = _emergencyDueAt();
            if (dueAt == 0 || block.number < dueAt) revert EmergencyNotDue(dueAt);
        }
        _flags |= _EMERGENCY;
        _emergencySince = block.number.toUint48();
        _forgiveOpenCommits();
        emit EmergencyEntered(msg.sender);
        if (!paused()) _pause();
    }

    /// @inheritdoc IZkPowRollup
    function leaveEmergency() external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (_flags & _EMERGENCY == 0) revert NotInEmergency();
        _flags &= ~_EMERGENCY;
        // The oldest unverified sequence gets whole windows again: no reveal could be made during the emergency.
        _lastVerifiedAt = block.number.toUint48();
        emit EmergencyLeft();
        if (paused()) _unpause();
    }

    /// @inheritdoc IZkPowRollup
    function emergencyExit() external nonReentrant returns (uint256 amount) {
        if (_flags & _EMERGENCY == 0) revert NotInEmergency();
        Miner storage miner = _miners[msg.sender];
        amount = uint256(miner.stake) + miner.unbonding;
        if (amount == 0) revert InvalidAmount(0, 0);
        // Its open commits were made before the emergency: they cost nothing (`_forgivenBelow`).
        miner.stake = 0;
        miner.unbonding = 0;
        emit EmergencyExit(msg.sender, amount);
        _token.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IZkPowRollup
    function scheduleVerifierUpgrade(ISequenceVerifier verifier) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (address(verifier) == address(0)) revert InvalidConfig("verifier");
        uint64 activatesAt = uint64(block.number) + _verifierUpgradeDelay;
        _pendingVerifier = verifier;
        _pendingVerifierAt = uint256(activatesAt).toUint48();
        emit VerifierUpgradeScheduled(verifier, activatesAt);
    }

    /// @inheritdoc IZkPowRollup
    function cancelVerifierUpgrade() external onlyRole(DEFAULT_ADMIN_ROLE) {
        ISequenceVerifier verifier = _pendingVerifier;
        if (address(verifier) == address(0)) revert NoVerifierUpgrade();
        delete _pendingVerifier;
        delete _pendingVerifierAt;
        emit VerifierUpgradeCancelled(verifier);
    }

    /// @inheritdoc IZkPowRollup
    function applyVerifierUpgrade() external {
        ISequenceVerifier verifier = _pendingVerifier;
        if (address(verifier) == address(0)) revert NoVerifierUpgrade();
        if (block.number < _pendingVerifierAt) revert VerifierUpgradeNotDue(uint64(_pendingVerifierAt));
        ISequenceVerifier previous = _currentVerifier();
        _upgradedVerifier = verifier;
        _flags |= _UPGRADED;
        delete _pendingVerifier;
        delete _pendingVerifierAt;
        // Proofs committed for the old verifier need not verify with the new one: those commits cost nothing.
        _forgiveOpenCommits();
        emit VerifierUpgraded(previous, verifier);
    }

    /// @inheritdoc IZkPowRollup
    function pendingVerifierUpgrade() external view returns (ISequenceVerifier verifier, uint64 activatesAt) {
        verifier = _pendingVerifier;
        activatesAt = _pendingVerifierAt;
    }

    /// @inheritdoc IZkPowRollup
    function emergencyState() external view returns (bool active, uint64 since) {
        active = _flags & _EMERGENCY != 0;
        since = _emergencySince;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IZkPowRollup
    function getConfig() external view returns (Config memory config) {
        config = Config({
            chainId: _chainId,
            batchSize: _batchSize,
            treeDepth: _treeDepth,
            maxBatchesPerSequence: _maxBatchesPerSequence,
            commitWindow: _commitWindow,
            revealWindow: _revealWindow,
            unbondingDelay: _unbondingDelay,
            minimumStake: _minimumStake,
            missedProofPenalty: _missedProofPenalty,
            invalidProofPenalty: _invalidProofPenalty,
            batchFee: _batchFee,
            token: _token,
            verifier: _currentVerifier(),
            emergencyTimeout: _emergencyTimeout,
            verifierUpgradeDelay: _verifierUpgradeDelay
        });
    }

    /// @inheritdoc IZkPowRollup
    function getSequence(uint64 sequence) external view returns (SequenceInfo memory info) {
        Sequence storage stored = _sequences[sequence];
        SequenceCore memory core = stored.core;
        if (core.lastBatch == 0) revert UnknownSequence(sequence);
        info = SequenceInfo({
            lastBatch: core.lastBatch,
            round: core.round,
            commitStart: core.commitStart,
            verifiedAt: core.verifiedAt,
            revealStart: core.revealStart,
            validProofs: core.validProofs,
            commitment: stored.commitment
        });
    }

    /// @inheritdoc IZkPowRollup
    function getReward(uint64 sequence) external view returns (RewardInfo memory info) {
        if (_sequences[sequence].core.lastBatch == 0) revert UnknownSequence(sequence);
        Reward memory reward = _sequences[sequence].reward;
        info = RewardInfo({amount: reward.amount, split: reward.split});
    }

    /// @inheritdoc IZkPowRollup
    function getMiner(address miner) external view returns (MinerInfo memory info) {
        Miner storage stored = _miners[miner];
        info = MinerInfo({
            stake: stored.stake,
            unbonding: stored.unbonding,
            unbondingEnd: stored.unbondingEnd,
            openCommits: stored.openCommits,
            backing: stored.backing
        });
    }

    /// @inheritdoc IZkPowRollup
    function commitStatus(uint64 sequence, uint32 round, address miner) external view returns (CommitStatus status) {
        status = _status(_commits[sequence][round][miner]);
    }

    /// @inheritdoc IZkPowRollup
    function stateRoot() external view returns (uint256 root) {
        root = _stateRoot;
    }

    /// @inheritdoc IZkPowRollup
    function lastVerifiedBatch() external view returns (uint64 batch) {
        batch = _lastVerifiedBatch;
    }

    /// @inheritdoc IZkPowRollup
    function lastBatch() external view returns (uint64 batch) {
        batch = _lastBatch;
    }

    /// @inheritdoc IZkPowRollup
    function carry() external view returns (uint256 amount) {
        amount = _carry;
    }

    /// @inheritdoc IZkPowRollup
    function computeProofHash(SequenceProof calldata proof, address miner) external pure returns (bytes32 proofHash) {
        proofHash = _proofHash(proof, miner);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Internals
    // ------------------------------------------------------------------------------------------------------------

    function _setEconomics(
        uint256 minimumStake,
        uint256 missedProofPenalty,
        uint256 invalidProofPenalty,
        uint256 batchFee
    ) private {
        if (minimumStake == 0) revert InvalidConfig("minimumStake");
        if (missedProofPenalty == 0) revert InvalidConfig("missedProofPenalty");
        if (invalidProofPenalty < missedProofPenalty || invalidProofPenalty > type(uint96).max) {
            revert InvalidConfig("invalidProofPenalty");
        }
        _minimumStake = minimumStake.toUint96();
        _missedProofPenalty = uint128(missedProofPenalty);
        _invalidProofPenalty = uint96(invalidProofPenalty);
        _batchFee = batchFee.toUint128();
        // Open commits keep the penalties of their epoch; commits from now on take these.
        _nextEpoch();
        emit EconomicsUpdated(minimumStake, missedProofPenalty, invalidProofPenalty, batchFee);
    }

    /// @dev A commit needs the minimum stake, and stake that covers the worst penalty of every open commit
    /// plus this one: no miner promises more than its stake can answer for.
    function _requiredStake(uint256 backing) private view returns (uint256) {
        backing += _invalidProofPenalty;
        return backing > _minimumStake ? backing : _minimumStake;
    }

    /// @dev The reveal window opens when T1 has ended. T1 starts at the round's first commit or when the preceding
    /// sequence is verified (its new state root is this one's old root), whichever comes last (or at the end of an
    /// emergency): neither T1 nor T2 runs while a predecessor is pending, so no miner is penalised for another
    /// sequence's delay, and a commit made early cannot close T1 before anyone could prove. Only meaningful for an
    /// unverified sequence with an open round; `open` is false while the predecessor is pending.
    function _revealStart(uint64 sequence, SequenceCore memory core) private view returns (uint64 start, bool open) {
        if (uint64(_lastVerifiedBatch) + 1 != sequence) return (0, false);
        uint64 commitStart = core.commitStart;
        uint64 headSince = _lastVerifiedAt;
        start = (commitStart > headSince ? commitStart : headSince) + _commitWindow;
        open = true;
    }

    /// @dev The current round's reveal window closed with no valid proof.
    function _roundFailed(uint64 sequence, SequenceCore memory core) private view returns (bool) {
        if (core.commitStart == 0 || core.verifiedAt != 0) return false;
        (uint64 start, bool open) = _revealStart(sequence, core);
        return open && block.number >= start + _revealWindow;
    }

    /// @dev Builds each batch proof's public inputs (oldStateRoot, newStateRoot, batchHash, dataPoint,
    /// dataEvaluation, prover) and checks all proofs in one call. The verifier rejects inputs that are not below
    /// the field modulus.
    function _verify(
        BatchCommitment[] calldata batches,
        SequenceProof calldata proof,
        address miner
    ) private view returns (bool) {
        uint256 count = proof.proofs.length;
        uint256[6][] memory inputs = new uint256[6][](count);
        uint256 previousRoot = proof.oldStateRoot;
        for (uint256 i = 0; i < count; ++i) {
            BatchCommitment calldata batch = batches[i];
            inputs[i] = [
                previousRoot,
                proof.newStateRoots[i],
                batch.batchHash,
                batch.dataPoint,
                batch.dataEvaluation,
                uint256(uint160(miner))
            ];
            previousRoot = proof.newStateRoots[i];
        }
        return _currentVerifier().verifyProofs(inputs, proof.proofs);
    }

    /// @dev Takes up to `amount` from the miner's stake, then from its unbonding stake; returns what it took.
    function _takePenalty(Miner storage miner, uint256 amount) private returns (uint256 taken) {
        uint256 fromStake = amount < miner.stake ? amount : miner.stake;
        uint256 rest = amount - fromStake;
        uint256 fromUnbonding = rest < miner.unbonding ? rest : miner.unbonding;
        // Cannot underflow: each part is at most the balance it is taken from (the min() above).
        unchecked {
            miner.stake -= uint96(fromStake);
            miner.unbonding -= uint128(fromUnbonding);
        }
        taken = fromStake + fromUnbonding;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Internals of the hardening: windows, commit records, epochs, emergency, proof encodings
    // ------------------------------------------------------------------------------------------------------------

    /// @dev A sequence posted when none waits starts the clock of `_lastVerifiedAt` (the emergency timeout counts
    /// from it; a commit window cannot start before the sequence exists anyway).
    function _startHeadClock() private {
        if (_lastBatch == _lastVerifiedBatch) _lastVerifiedAt = block.number.toUint48();
    }

    /// @dev Whether the current round's T1 has ended (false while the predecessor is pending: T1 has not started).
    function _commitWindowClosed(uint64 sequence, SequenceCore memory core) private view returns (bool) {
        (uint64 revealStart, bool open) = _revealStart(sequence, core);
        return open && block.number >= revealStart;
    }

    /// @dev A new commit's record: the proofHash's upper 128 bits, its backing, the current epoch, the opener flag.
    function _newRecord(bytes32 proofHash, uint256 backing, bool opener) private view returns (bytes32) {
        return
            bytes32(
                (uint256(proofHash) & _HASH_MASK) |
                    (backing << 32) |
                    (uint256(_epoch) << 8) |
                    (opener ? _OPENER : 0) |
                    uint256(CommitStatus.Committed)
            );
    }

    /// @dev A commit is closed: it no longer counts among the miner's open commits nor needs its backing.
    function _release(Miner storage miner, bytes32 record) private {
        miner.openCommits -= 1;
        miner.backing -= uint96(uint256(record) >> 32);
    }

    /// @dev The penalty a commit pays: those of the epoch it was made in (the invalid one is its backing); nothing if
    /// it was made before the last emergency or verifier upgrade.
    function _penaltyOf(bytes32 record, bool invalid) private view returns (uint256) {
        uint24 epoch = uint24(uint256(record) >> 8);
        if (epoch < _forgivenBelow) return 0;
        return invalid ? uint96(uint256(record) >> 32) : _missedPenaltyOf[epoch];
    }

    /// @dev Opens a new economics epoch with the current missed-proof penalty.
    function _nextEpoch() private {
        uint24 epoch = _epoch + 1;
        _epoch = epoch;
        _missedPenaltyOf[epoch] = _missedProofPenalty;
    }

    /// @dev Every commit made so far costs nothing.
    function _forgiveOpenCommits() private {
        _nextEpoch();
        _forgivenBelow = _epoch;
    }

    function _requireNoEmergency() private view {
        if (_flags & _EMERGENCY != 0) revert InEmergency();
    }

    /// @dev The first block anyone may enter the emergency state (0 while no sequence waits).
    function _emergencyDueAt() private view returns (uint64) {
        if (_lastBatch == _lastVerifiedBatch) return 0;
        return uint64(_lastVerifiedAt) + _emergencyTimeout;
    }

    function _currentVerifier() private view returns (ISequenceVerifier) {
        return _flags & _UPGRADED != 0 ? _upgradedVerifier : _verifier;
    }

    /// @dev Whether a sequence proof can be a valid one: one proof and one root per batch, roots below the scalar
    /// field, coordinates below the base field, A and C on the curve y^2 = x^3 + 3, B on the twist
    /// y^2 = x^3 + 3 / (9 + u) over F_p^2 = F_p[u] / (u^2 + 1) (each may be the point at infinity, all zero).
    /// Checked before the verifier, whose precompiles burn all the gas given to them on a malformed point. Subgroup
    /// membership of B is left to the pairing precompile. Assembly: the same checks in Solidity cost 3,000 gas more
    /// per reveal, which the 1-batch reveal's gas target has no room for.
    function _wellFormed(SequenceProof calldata proof, uint256 batches) private pure returns (bool ok) {
        uint256[] calldata roots = proof.newStateRoots;
        ISequenceVerifier.Groth16Proof[] calldata proofs = proof.proofs;
        if (proofs.length != batches || roots.length != batches) return false;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // (x, y) on y^2 = x^3 + 3, coordinates below q, or (0, 0).
            function onCurveG1(x, y, q) -> v {
                v := and(lt(x, q), lt(y, q))
                if and(v, iszero(iszero(or(x, y)))) {
                    v := eq(mulmod(y, y, q), addmod(mulmod(mulmod(x, x, q), x, q), 3, q))
                }
            }
            // B at calldata offset `at`, EVM order [[x1, x0], [y1, y0]]. Subtraction a - b as a + (q - b): b < q,
            // and addmod reduces q itself.
            function onTwistG2(at, q) -> v {
                let x1 := calldataload(at)
                let x0 := calldataload(add(at, 0x20))
                let y1 := calldataload(add(at, 0x40))
                let y0 := calldataload(add(at, 0x60))
                v := and(and(lt(x0, q), lt(x1, q)), and(lt(y0, q), lt(y1, q)))
                if and(v, iszero(iszero(or(or(x0, x1), or(y0, y1))))) {
                    // x^2 = (x0^2 - x1^2) + 2 x0 x1 u
                    let s0 := addmod(mulmod(x0, x0, q), sub(q, mulmod(x1, x1, q)), q)
                    let s1 := mulmod(addmod(x0, x0, q), x1, q)
                    // x^3 + b' = x^2 x + b'
                    let r0 := addmod(
                        addmod(mulmod(s0, x0, q), sub(q, mulmod(s1, x1, q)), q),
                        19485874751759354771024239261021720505790618469301721065564631296452457478373,
                        q
                    )
                    let r1 := addmod(
                        addmod(mulmod(s0, x1, q), mulmod(s1, x0, q), q),
                        266929791119991161246907387137283842545076965332900288569378510910307636690,
                        q
                    )
                    v := and(
                        eq(addmod(mulmod(y0, y0, q), sub(q, mulmod(y1, y1, q)), q), r0),
                        eq(mulmod(addmod(y0, y0, q), y1, q), r1)
                    )
                }
            }
            let q := _BASE_FIELD
            ok := 1
            for {
                let i := 0
            } and(ok, lt(i, batches)) {
                i := add(i, 1)
            } {
                // A proof is 8 words: a (2), b (4), c (2).
                let p := add(proofs.offset, shl(8, i))
                ok := and(
                    and(
                        lt(calldataload(add(roots.offset, shl(5, i))), _SNARK_SCALAR_FIELD),
                        onTwistG2(add(p, 0x40), q)
                    ),
                    and(
                        onCurveG1(calldataload(p), calldataload(add(p, 0x20)), q),
                        onCurveG1(calldataload(add(p, 0xc0)), calldataload(add(p, 0xe0)), q)
                    )
                )
            }
        }
    }

    function _addToCarry(uint256 amount) private {
        uint256 carried = _carry + amount;
        _carry = carried.toUint104();
        emit RewardCarried(amount, carried);
    }

    /// @dev keccak256(abi.encodePacked(keccak256(abi.encode(proof)), miner)). When the proof's calldata is in the
    /// canonical ABI encoding (offsets 0x60 and 0x80 + 32 * roots: what every encoder writes), abi.encode(proof) is
    /// 0x20 followed by those calldata bytes, hashed straight from a copy (1,500 gas less than re-encoding);
    /// any other encoding is re-encoded.
    function _proofHash(SequenceProof calldata proof, address miner) private pure returns (bytes32 proofHash) {
        uint256 roots = proof.newStateRoots.length;
        uint256 proofs = proof.proofs.length;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            if and(
                eq(calldataload(add(proof, 0x20)), 0x60),
                eq(calldataload(add(proof, 0x40)), add(0x80, shl(5, roots)))
            ) {
                // The tuple: 3 head words, the roots' length and roots, the proofs' length and 8 words per proof.
                let size := shl(5, add(add(5, roots), shl(3, proofs)))
                let m := mload(0x40)
                mstore(m, 0x20)
                calldatacopy(add(m, 0x20), proof, size)
                mstore(m, keccak256(m, add(size, 0x20)))
                mstore(add(m, 0x20), shl(96, miner))
                proofHash := keccak256(m, 0x34)
            }
        }
        if (proofHash == 0) proofHash = keccak256(abi.encodePacked(keccak256(abi.encode(proof)), miner));
    }

    /// @dev With a status: the record with its status replaced. With `None`: the proofHash part alone, so that a
    /// record and a proofHash compare by their upper 128 bits.
    function _record(bytes32 record, CommitStatus status) private pure returns (bytes32) {
        if (status == CommitStatus.None) return record & bytes32(_HASH_MASK);
        return (record & ~bytes32(_STATUS_MASK)) | bytes32(uint256(status));
    }

    function _status(bytes32 record) private pure returns (CommitStatus) {
        return CommitStatus(uint256(record) & _STATUS_MASK);
    }
}
