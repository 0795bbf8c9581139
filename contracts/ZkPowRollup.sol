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
    IERC20 private immutable _token;
    ISequenceVerifier private immutable _verifier;

    // The economics. A commit reads the pause flag, the minimum stake and the invalid-proof penalty: declared first
    // and sized to fit, they share one slot with Pausable's `_paused` flag (1 byte + 15 + 16), which state variables
    // of derived contracts pack into. uint120 still holds 10^18 tokens of 18 decimals.
    uint120 private _minimumStake;
    uint128 private _invalidProofPenalty;
    uint128 private _missedProofPenalty;
    uint128 private _batchFee;

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

    /// @dev The first slot is all a commit touches.
    struct Miner {
        uint128 stake;
        uint64 openCommits;
        uint64 unbondingEnd;
        uint128 unbonding;
    }

    mapping(uint64 sequence => Sequence) private _sequences;
    /// @dev The commit record: the proofHash's upper 248 bits with the CommitStatus in the low byte, so a commit
    /// writes one slot. 248 bits keep a preimage search at 2^248 work.
    mapping(uint64 sequence => mapping(uint32 round => mapping(address miner => bytes32 record))) private _commits;
    mapping(address miner => Miner) private _miners;

    uint256 private _stateRoot;
    // One slot: a reveal that verifies a sequence reads and writes all four. 48 bits as in SequenceCore; 112 bits
    // of carry are 5 * 10^15 tokens of 18 decimals.
    uint48 private _lastBatch;
    uint48 private _lastVerifiedBatch;
    uint48 private _lastVerifiedAt;
    uint112 private _carry;

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
        uint256 required = _requiredStake(miner.openCommits);
        if (miner.stake < required) revert InsufficientStake(miner.stake, required);

        // Within T1 the round cannot have failed: only past it is the (costlier) failure check needed.
        bool opened =
            core.commitStart == 0 || (block.number >= core.commitStart + _commitWindow && _roundFailed(sequence, core));
        if (opened) {
            core.round += 1;
            core.commitStart = block.number.toUint48();
            stored.core = core;
        } else if (block.number >= core.commitStart + _commitWindow) {
            revert CommitWindowClosed(sequence, core.round);
        }
        mapping(address => bytes32) storage roundCommits = _commits[sequence][core.round];
        if (roundCommits[msg.sender] != 0) revert AlreadyCommitted(sequence, core.round);

        roundCommits[msg.sender] = _record(proofHash, CommitStatus.Committed);
        miner.openCommits += 1;
        if (opened) emit RoundOpened(sequence, core.round, uint64(core.commitStart));
        emit ProofHashCommitted(sequence, core.round, msg.sender, proofHash);
    }

    /// @inheritdoc IZkPowRollup
    function revealProof(uint64 sequence, BatchCommitment[] calldata batches, SequenceProof calldata proof) external {
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
        if (proof.proofs.length != batchCount || proof.newStateRoots.length != batchCount) {
            revert ProofShapeMismatch(batchCount, proof.proofs.length, proof.newStateRoots.length);
        }

        _miners[msg.sender].openCommits -= 1;
        // A proof from another root than the sequence's is a proof of something else: it does not count.
        if (proof.oldStateRoot != oldStateRoot || !_verify(batches, proof, msg.sender)) {
            // The record's upper bits are the proofHash (checked above): only the status changes.
            _commits[sequence][core.round][msg.sender] = _record(record, CommitStatus.ProofInvalid);
            uint256 penalty = _takePenalty(_miners[msg.sender], _invalidProofPenalty);
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
        minerStake.openCommits -= 1;
        uint256 penalty = _takePenalty(minerStake, _missedProofPenalty);
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
        emit RewardClaimed(sequence, msg.sender, amount);
        if (amount > 0) _token.safeTransfer(msg.sender, amount);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Stake
    // ------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IZkPowRollup
    function stake(uint256 amount) external nonReentrant {
        if (amount == 0) revert InvalidAmount(0, 0);
        Miner storage miner = _miners[msg.sender];
        uint256 staked = miner.stake + amount;
        miner.stake = staked.toUint128();
        emit Staked(msg.sender, amount, staked);
        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IZkPowRollup
    function requestWithdrawal(uint256 amount) external {
        Miner storage miner = _miners[msg.sender];
        if (amount == 0 || amount > miner.stake) revert InvalidAmount(amount, miner.stake);
        // Cannot underflow: amount <= miner.stake was checked above.
        unchecked {
            miner.stake -= uint128(amount);
        }
        miner.unbonding += amount.toUint128();
        uint64 unbondingEnd = uint64(block.number) + _unbondingDelay;
        miner.unbondingEnd = unbondingEnd;
        emit WithdrawalRequested(msg.sender, amount, unbondingEnd);
    }

    /// @inheritdoc IZkPowRollup
    function withdraw() external nonReentrant returns (uint256 amount) {
        Miner storage miner = _miners[msg.sender];
        amount = miner.unbonding;
        if (amount == 0) revert InvalidAmount(0, 0);
        if (block.number < miner.unbondingEnd) revert StillUnbonding(miner.unbondingEnd);
        if (miner.openCommits != 0) revert CommitsStillOpen(miner.openCommits);
        miner.unbonding = 0;
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
        _unpause();
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
            verifier: _verifier
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
            openCommits: stored.openCommits
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
        if (invalidProofPenalty < missedProofPenalty) revert InvalidConfig("invalidProofPenalty");
        _minimumStake = minimumStake.toUint120();
        _missedProofPenalty = missedProofPenalty.toUint128();
        _invalidProofPenalty = invalidProofPenalty.toUint128();
        _batchFee = batchFee.toUint128();
        emit EconomicsUpdated(minimumStake, missedProofPenalty, invalidProofPenalty, batchFee);
    }

    /// @dev A commit needs the minimum stake, and stake that covers the worst penalty of every open commit
    /// plus this one: no miner promises more than its stake can answer for.
    function _requiredStake(uint64 openCommits) private view returns (uint256) {
        uint256 backing = uint256(_invalidProofPenalty) * (uint256(openCommits) + 1);
        return backing > _minimumStake ? backing : _minimumStake;
    }

    /// @dev The reveal window opens when T1 has ended and the preceding sequence is verified (its new state root is
    /// this one's old root), whichever comes last: T2 never runs while a predecessor is pending, so no miner is
    /// penalised for another sequence's delay. Only meaningful for an unverified sequence with an open round.
    function _revealStart(uint64 sequence, SequenceCore memory core) private view returns (uint64 start, bool open) {
        if (uint64(_lastVerifiedBatch) + 1 != sequence) return (0, false);
        uint64 commitEnd = uint64(core.commitStart) + _commitWindow;
        uint64 predecessorVerifiedAt = _lastVerifiedAt;
        start = commitEnd > predecessorVerifiedAt ? commitEnd : predecessorVerifiedAt;
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
        return _verifier.verifyProofs(inputs, proof.proofs);
    }

    /// @dev Takes up to `amount` from the miner's stake, then from its unbonding stake; returns what it took.
    function _takePenalty(Miner storage miner, uint128 amount) private returns (uint256 taken) {
        uint256 fromStake = amount < miner.stake ? amount : miner.stake;
        uint256 rest = amount - fromStake;
        uint256 fromUnbonding = rest < miner.unbonding ? rest : miner.unbonding;
        // Cannot underflow: each part is at most the balance it is taken from (the min() above).
        unchecked {
            miner.stake -= uint128(fromStake);
            miner.unbonding -= uint128(fromUnbonding);
        }
        taken = fromStake + fromUnbonding;
    }

    function _addToCarry(uint256 amount) private {
        uint256 carried = _carry + amount;
        _carry = carried.toUint112();
        emit RewardCarried(amount, carried);
    }

    function _proofHash(SequenceProof calldata proof, address miner) private pure returns (bytes32) {
        return keccak256(abi.encodePacked(keccak256(abi.encode(proof)), miner));
    }

    /// @dev The commit record: the proofHash's upper 248 bits and the status in the low byte.
    function _record(bytes32 proofHash, CommitStatus status) private pure returns (bytes32) {
        return (proofHash & ~bytes32(uint256(0xff))) | bytes32(uint256(status));
    }

    function _status(bytes32 record) private pure returns (CommitStatus) {
        return CommitStatus(uint8(uint256(record)));
    }
}
