// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IQuadraticFundingAllocator} from "./interfaces/IQuadraticFundingAllocator.sol";
import {Paging} from "./libraries/Paging.sol";
import {QFMath} from "./libraries/QFMath.sol";
import {TokenIntake} from "./libraries/TokenIntake.sol";

/// @title QuadraticFundingAllocator
/// @notice Gaps funded by contributors from their wallets, with a matching pool distributed
/// quadratically in rounds. See the interface for the model and every function's documentation.
/// @dev Storage is packed so that the hot paths (contribute, finalise, withdraw) touch few slots:
/// a contribution writes the contributor's slot, the gap's hot slot, the gap's round slot and (when
/// the gap's weight changes) the round's weight; finalising a round writes two slots whatever the
/// number of gaps; each gap's match is computed when the gap withdraws.
contract QuadraticFundingAllocator is IQuadraticFundingAllocator, AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    // ─────────────────────────────────────────────── constants and immutables

    /// @notice Role that registers and closes gaps.
    bytes32 public constant CURATOR_ROLE = keccak256("CURATOR_ROLE");
    /// @notice Role that finalises matching rounds.
    bytes32 public constant KEEPER_ROLE = keccak256("KEEPER_ROLE");
    /// @notice Role that pauses contributions and finalisation.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @notice Rounds settled per `withdrawGapFunds` call at most (bounded loop; call again for more).
    uint256 public constant MAX_ROUNDS_PER_WITHDRAWAL = 32;
    /// @notice The longest round duration accepted by the constructor.
    uint256 public constant MAX_ROUND_DURATION = 365 days;

    IERC20 private immutable _TOKEN;
    /// @dev 10^(18 − decimals): raw amount · SCALE = 18-decimal normalised amount.
    uint256 private immutable _SCALE;
    uint256 private immutable _ROUND_DURATION;
    /// @dev Start of round 1 (later rounds start when their predecessor is finalised).
    uint256 private immutable _START_TIME;

    // ─────────────────────────────────────────────── storage

    /// @dev One slot read by every contribution and written by every finalisation.
    struct State {
        uint32 currentRound; // the open round (1-based)
        uint40 currentEnd; // its end: contributions at or after it belong to the next round
        bool paused;
        bool wholePool; // matching mode for rounds finalised from now on
        uint16 capBps; // per-gap cap for rounds finalised from now on (0 = none)
        uint128 matchingPool; // raw tokens available to future rounds
    }

    /// @dev A round's accumulator: written by contributions while the round is open (W and the
    /// number of gaps with a positive weight) and by withdrawals once it is finalised. `opened` is
    /// set two rounds ahead by the finalisation, so contributions never pay for a zero-to-nonzero write.
    struct RoundAcc {
        uint176 totalWeight; // W, normalised (1e18 = 1 token of weight)
        uint32 gapsFunded; // this round's gaps with a weight: ≤ registered gaps (one registration each)
        uint32 gapsSettled; // ≤ gapsFunded
        bool opened;
        bool swept; // the unpaid rest of the allocation went back to the pool (`sweepRound`)
    }
    /// @dev Written once by the finalisation, then by withdrawals (`paid`).
    struct RoundSettle {
        uint40 finalizedAt; // 0 while the round is open
        bool wholePool;
        uint16 capBps;
        uint96 poolSize;
        uint96 paid; // matches paid to recipients
    }

    /// @dev The gap's slot touched by every contribution and withdrawal.
    struct GapHot {
        uint96 directTotal; // low 96 bits of the lifetime total (raw); the rest is in _directCarry
        uint32 lastRound; // latest round with contributions (head of the gap's round list)
        uint32 paidThrough; // every round ≤ this is settled
        GapStatus status;
        uint48 contributorCount; // lifetime, one per new address: 2⁴⁸ transactions cannot happen
        uint32 closedRound; // first refund-only round (0 while open)
        bool walking; // a paginated withdrawal walk is in progress (see GapWalk)
    }
    /// @dev Written at registration and by withdrawals that pay a match.
    struct GapCold {
        address recipient;
        uint96 matchedTotal; // low 96 bits of the lifetime total; the rest is in _matchedCarry
    }
    /// @dev A withdrawal walk that did not finish in one call: the next round to settle and the
    /// round the walk started from.
    struct GapWalk {
        uint32 cursor;
        uint32 top;
    }

    /// @dev A gap in one round: Σ√c (1e18 = 1 √token), direct raw tokens, and the gap's previous
    /// round with contributions (a backwards linked list the withdrawal walks).
    struct GapRound {
        uint128 sumSqrt;
        uint96 direct;
        uint32 prevRound;
    }

    /// @dev A contributor's totals for one gap in its two latest rounds with that gap. Only the
    /// latest matters for matching (contributions go to the current or next round); the previous one
    /// is kept because both may be unfinalised (and so refundable) when the gap closes.
    struct Contributor {
        uint32 round;
        uint96 amount;
        uint32 prevRound;
        uint96 prevAmount;
    }

    State private _state;
    uint256 private _upkeepPoolSize;

    mapping(uint256 round => RoundAcc) private _roundAcc;
    mapping(uint256 round => RoundSettle) private _roundSettle;

    bytes32[] private _gapIds;
    mapping(bytes32 gapId => GapHot) private _gapHot;
    mapping(bytes32 gapId => GapCold) private _gapCold;
    mapping(bytes32 gapId => GapWalk) private _gapWalk;
    /// @dev A gap's lifetime matched total above its low 96 bits (`GapCold.matchedTotal`), in units of 2^96.
    mapping(bytes32 gapId => uint256) private _matchedCarry;
    /// @dev A gap's lifetime direct total above its low 96 bits (`GapHot.directTotal`), in units of 2^96.
    mapping(bytes32 gapId => uint256) private _directCarry;
    /// @dev Unsettled finalised rounds a gap's stats read its unpaid matches from, at most (bounded view).
    uint256 private constant _MAX_ROUNDS_IN_STATS = 256;

    /// @dev A gap's refunded contributions (raw), written only by refunds.
    mapping(bytes32 gapId => uint256) private _refunded;
    mapping(bytes32 gapId => string) private _gapURI;
    mapping(uint256 round => mapping(bytes32 gapId => GapRound)) private _gapRounds;
    mapping(bytes32 gapId => mapping(address contributor => Contributor)) private _contributors;

    // ─────────────────────────────────────────────── constructor

    /// @param token_ The ERC-20 contributed and matched (≤ 18 decimals; no fee on transfer). Reverts with
    /// `ZeroAddress`, `InvalidToken` (no code, or no `decimals()`) or `UnsupportedDecimals`.
    /// @param roundDuration_ Minimum length of a round in seconds (the deployment uses 6 hours).
    /// @param admin Receives every role.
    constructor(address token_, uint256 roundDuration_, address admin) {
        if (token_ == address(0) || admin == address(0)) revert ZeroAddress();
        if (roundDuration_ == 0 || roundDuration_ > MAX_ROUND_DURATION)
            revert InvalidRoundDuration(roundDuration_);
        uint8 decimals = TokenIntake.decimalsOf(token_);
        _TOKEN = IERC20(token_);
        _SCALE = 10 ** (18 - uint256(decimals));
        _ROUND_DURATION = roundDuration_;
        _START_TIME = block.timestamp;
        _state.currentRound = 1;
        _state.currentEnd = (block.timestamp + roundDuration_).toUint40();
        _roundAcc[1].opened = true;
        _roundAcc[2].opened = true;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(CURATOR_ROLE, admin);
        _grantRole(KEEPER_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
    }

    // ─────────────────────────────────────────────── admin

    /// @inheritdoc IQuadraticFundingAllocator
    function setMatchingSettings(
        bool distributeWholePool,
        uint256 capBps
    ) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (capBps > QFMath.BPS) revert InvalidCap(capBps);
        _state.wholePool = distributeWholePool;
        _state.capBps = uint16(capBps); // ≤ 10,000 checked above
        emit MatchingSettingsUpdated(distributeWholePool, capBps);
    }

    /// @inheritdoc IQuadraticFundingAllocator
    function setUpkeepPoolSize(uint256 poolSize) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _upkeepPoolSize = poolSize;
        emit UpkeepPoolSizeUpdated(poolSize);
    }

    /// @inheritdoc IQuadraticFundingAllocator
    function pause() external onlyRole(PAUSER_ROLE) {
        if (_state.paused) revert ContractPaused();
        _state.paused = true;
        emit PausedSet(msg.sender, true);
    }

    /// @inheritdoc IQuadraticFundingAllocator
    function unpause() external onlyRole(PAUSER_ROLE) {
        if (!_state.paused) revert ContractNotPaused();
        _state.paused = false;
        emit PausedSet(msg.sender, false);
    }

    // ─────────────────────────────────────────────── curator

    /// @inheritdoc IQuadraticFundingAllocator
    function registerGap(
        bytes32 gapId,
        address recipient,
        string calldata metadataURI
    ) external onlyRole(CURATOR_ROLE) {
        if (gapId == bytes32(0)) revert ZeroGapId();
        if (recipient == address(0)) revert ZeroAddress();
        if (_gapHot[gapId].status != GapStatus.None) revert GapAlreadyRegistered(gapId);
        _gapHot[gapId].status = GapStatus.Active;
        _gapCold[gapId].recipient = recipient;
        if (bytes(metadataURI).length != 0) _gapURI[gapId] = metadataURI;
        _gapIds.push(gapId);
        emit GapRegistered(gapId, recipient, metadataURI);
    }

    /// @inheritdoc IQuadraticFundingAllocator
    function closeGap(bytes32 gapId) external onlyRole(CURATOR_ROLE) {
        GapHot storage gap = _gapHot[gapId];
        if (gap.status == GapStatus.None) revert UnknownGap(gapId);
        if (gap.status == GapStatus.Closed) revert GapIsClosed(gapId);
        uint256 closedRound = _state.currentRound;
        gap.status = GapStatus.Closed;
        gap.closedRound = uint32(closedRound); // round numbers fit 32 bits (see _finalize)
        // Only the open round and the next one can hold unfinalised contributions: take the gap's
        // weight out of both, so matching ignores it. Their contributions become refundable.
        for (uint256 r = gap.lastRound; r >= closedRound; r = _gapRounds[r][gapId].prevRound) {
            GapRound memory gr = _gapRounds[r][gapId];
            uint256 w = QFMath.weight(gr.sumSqrt, uint256(gr.direct) * _SCALE);
            if (w != 0) {
                RoundAcc storage acc = _roundAcc[r];
                acc.totalWeight -= uint176(w); // w ≤ W: the contributions added it
                --acc.gapsFunded; // counted when w turned positive
            }
        }
        emit GapClosed(gapId, closedRound);
    }

    // ─────────────────────────────────────────────── contributors

    /// @inheritdoc IQuadraticFundingAllocator
    function contributeToGap(bytes32 gapId, uint256 amount) external nonReentrant returns (uint256 round) {
        round = _contribute(gapId, amount);
    }

    /// @inheritdoc IQuadraticFundingAllocator
    function contributeToGapWithPermit(
        bytes32 gapId,
        uint256 amount,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant returns (uint256 round) {
        // A failing permit (already used by a front-runner, or a token without permit) is ignored:
        // the transfer below still fails cleanly when the allowance does not cover `amount`.
        try
            IERC20Permit(address(_TOKEN)).permit(msg.sender, address(this), amount, deadline, v, r, s)
        {} catch {} // solhint-disable-line no-empty-blocks
        round = _contribute(gapId, amount);
    }

    /// @inheritdoc IQuadraticFundingAllocator
    function fundMatchingPool(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        uint256 pool = _state.matchingPool;
        // Compared before adding, so an amount near 2^256 is rejected instead of overflowing (a sweep
        // can lift the pool above 2^112 − 1: then the room is 0).
        uint256 room = pool < type(uint112).max ? type(uint112).max - pool : 0;
        if (amount > room) revert AmountTooLarge(amount, room);
        uint256 newBalance = pool + amount;
        _state.matchingPool = uint128(newBalance); // < 2^112 checked above
        emit MatchingPoolFunded(msg.sender, amount, newBalance);
        TokenIntake.pullExact(_TOKEN, msg.sender, amount);
    }

    /// @inheritdoc IQuadraticFundingAllocator
    function refundContribution(bytes32 gapId, uint256 round) external nonReentrant returns (uint256 amount) {
        GapHot memory gap = _gapHot[gapId];
        if (gap.status == GapStatus.None) revert UnknownGap(gapId);
        if (gap.status != GapStatus.Closed) revert GapNotClosed(gapId);
        Contributor storage c = _contributors[gapId][msg.sender];
        if (round >= gap.closedRound) {
            if (c.round == round) {
                amount = c.amount;
                c.amount = 0;
            } else if (c.prevRound == round) {
                amount = c.prevAmount;
                c.prevAmount = 0;
            }
        }
        if (amount == 0) revert NothingToRefund(gapId, msg.sender, round);
        // Keep the round's escrow figure true for auditors (its weight no longer counts anywhere).
        _gapRounds[round][gapId].direct -= uint96(amount); // amount ≤ direct: it was added to it
        _refunded[gapId] += amount;
        emit ContributionRefunded(gapId, msg.sender, round, amount);
        _TOKEN.safeTransfer(msg.sender, amount);
    }

    // ─────────────────────────────────────────────── keepers

    /// @inheritdoc IQuadraticFundingAllocator
    function computeMatchingRound(
        uint256 poolSize
    ) external onlyRole(KEEPER_ROLE) returns (uint256 roundNumber) {
        roundNumber = _finalize(poolSize);
    }

    /// @inheritdoc IQuadraticFundingAllocator
    function checkUpkeep(bytes calldata) external view returns (bool upkeepNeeded, bytes memory performData) {
        State memory st = _state;
        upkeepNeeded = !st.paused && block.timestamp >= st.currentEnd;
        uint256 pool = _upkeepPoolSize;
        if (pool == 0 || pool > st.matchingPool) pool = st.matchingPool;
        performData = abi.encode(pool);
    }

    /// @inheritdoc IQuadraticFundingAllocator
    function performUpkeep(bytes calldata performData) external onlyRole(KEEPER_ROLE) {
        if (performData.length != 32) revert InvalidPerformData();
        uint256 pool = abi.decode(performData, (uint256));
        uint256 available = _state.matchingPool;
        _finalize(pool > available ? available : pool);
    }

    /// @inheritdoc IQuadraticFundingAllocator
    function withdrawGapFunds(bytes32 gapId) external nonReentrant returns (uint256 amount) {
        GapHot memory gap = _gapHot[gapId];
        if (gap.status == GapStatus.None) revert UnknownGap(gapId);
        (uint256 r, uint256 top) = _walkStart(gapId, gap);
        uint256 paidThrough = gap.paidThrough;
        if (r <= paidThrough) revert NothingToWithdraw(gapId);

        uint256 matched;
        for (uint256 n; n < MAX_ROUNDS_PER_WITHDRAWAL && r > paidThrough; ++n) {
            GapRound memory gr = _gapRounds[r][gapId];
            uint256 m = _settleRound(gapId, r, gr);
            amount += uint256(gr.direct) + m;
            matched += m;
            r = gr.prevRound;
        }

        if (r > paidThrough) {
            // More rounds remain: remember where this walk stopped (rounds fit 32 bits).
            _gapWalk[gapId] = GapWalk(uint32(r), uint32(top));
            gap.walking = true;
        } else {
            gap.paidThrough = uint32(top); // a round number (see _finalize)
            gap.walking = false;
        }
        _gapHot[gapId] = gap;
        GapCold storage cold = _gapCold[gapId];
        if (matched != 0) {
            // The lifetime total is unbounded (a gap can be matched 2^96 raw units over many rounds):
            // its low 96 bits share the recipient's slot; what carries past them goes to its own slot,
            // written only then, so a withdrawal never reverts on the counter.
            uint256 total = uint256(cold.matchedTotal) + matched;
            if (total > type(uint96).max) {
                _matchedCarry[gapId] += total >> 96;
                total &= type(uint96).max;
            }
            cold.matchedTotal = uint96(total);
        }
        address recipient = cold.recipient;
        emit GapFundsWithdrawn(gapId, recipient, amount);
        if (amount != 0) _TOKEN.safeTransfer(recipient, amount);
    }

    /// @inheritdoc IQuadraticFundingAllocator
    function sweepRound(uint256 round) external returns (uint256 amount) {
        RoundSettle memory rs = _roundSettle[round];
        if (rs.finalizedAt == 0) revert RoundNotFinalized(round);
        RoundAcc storage acc = _roundAcc[round];
        if (acc.swept) revert RoundAlreadySwept(round);
        if (acc.gapsSettled != acc.gapsFunded) revert GapsUnsettled(round, acc.gapsSettled, acc.gapsFunded);
        acc.swept = true;
        // Every funded gap was paid ⌊capped match⌋ ≤ its share, so paid ≤ allocation.
        amount = QFMath.allocation(acc.totalWeight, rs.poolSize, _SCALE, rs.wholePool) - rs.paid;
        // ≤ what the round took from the pool; the sum is the allocator's own token balance at most,
        // which no real token brings near 2^128 (a checked add: it could only delay this sweep).
        _state.matchingPool += uint128(amount);
        emit MatchingReturned(round, amount);
    }

    // ─────────────────────────────────────────────── views

    /// @inheritdoc IQuadraticFundingAllocator
    function token() external view returns (address) {
        return address(_TOKEN);
    }

    /// @inheritdoc IQuadraticFundingAllocator
    function roundDuration() external view returns (uint256) {
        return _ROUND_DURATION;
    }

    /// @inheritdoc IQuadraticFundingAllocator
    function currentRound() external view returns (uint256) {
        return _state.currentRound;
    }

    /// @inheritdoc IQuadraticFundingAllocator
    function contributionRound() public view returns (uint256) {
        State memory st = _state;
        return block.timestamp < st.currentEnd ? st.currentRound : uint256(st.currentRound) + 1;
    }

    /// @inheritdoc IQuadraticFundingAllocator
    function matchingPoolBalance() external view returns (uint256) {
        return _state.matchingPool;
    }

    /// @inheritdoc IQuadraticFundingAllocator
    function paused() external view returns (bool) {
        return _state.paused;
    }

    /// @inheritdoc IQuadraticFundingAllocator
    function matchingSettings() external view returns (bool distributeWholePool, uint256 capBps) {
        return (_state.wholePool, _state.capBps);
    }

    /// @inheritdoc IQuadraticFundingAllocator
    function getRound(uint256 roundNumber) public view returns (RoundView memory v) {
        State memory st = _state;
        if (roundNumber == 0 || roundNumber > uint256(st.currentRound) + 1) return v;
        RoundAcc memory acc = _roundAcc[roundNumber];
        RoundSettle memory rs = _roundSettle[roundNumber];
        v.roundNumber = roundNumber;
        v.totalWeight = acc.totalWeight;
        v.gapsFunded = acc.gapsFunded;
        v.gapsSettled = acc.gapsSettled;
        v.claimed = rs.paid;
        if (rs.finalizedAt != 0) {
            v.status = RoundStatus.Finalized;
            v.matchingPoolTokens = rs.poolSize;
            v.finalizedAt = rs.finalizedAt;
            v.capBps = rs.capBps;
            v.distributeWholePool = rs.wholePool;
            // Once swept, what was not paid (cap excess, rounding dust) is back in the pool.
            v.distributed =
                acc.swept ? rs.paid : QFMath.allocation(acc.totalWeight, rs.poolSize, _SCALE, rs.wholePool);
            v.swept = acc.swept;
        } else {
            v.status = RoundStatus.Open;
            v.capBps = st.capBps;
            v.distributeWholePool = st.wholePool;
        }
        // Round 1 starts at deployment, round r at the finalisation of round r − 1. The next round
        // (current + 1) has not started: its start and end are reported as zero.
        if (roundNumber == 1) {
            v.startTime = _START_TIME;
        } else if (roundNumber <= st.currentRound) {
            v.startTime = _roundSettle[roundNumber - 1].finalizedAt;
        }
        if (v.startTime != 0) v.endTime = v.startTime + _ROUND_DURATION;
    }

    /// @inheritdoc IQuadraticFundingAllocator
    function gapStatus(bytes32 gapId) external view returns (GapStatus) {
        return _gapHot[gapId].status;
    }

    /// @inheritdoc IQuadraticFundingAllocator
    function getGapFundingStats(bytes32 gapId) public view returns (GapStats memory s) {
        GapHot memory gap = _gapHot[gapId];
        if (gap.status == GapStatus.None) revert UnknownGap(gapId);
        GapCold memory cold = _gapCold[gapId];
        s.gapId = gapId;
        s.recipient = cold.recipient;
        s.status = gap.status;
        s.metadataURI = _gapURI[gapId];
        s.refundedTotal = _refunded[gapId];
        s.directTotal = ((_directCarry[gapId] << 96) | gap.directTotal) - s.refundedTotal;
        s.matchedPaid = (_matchedCarry[gapId] << 96) | cold.matchedTotal;
        (, uint256 unpaid) = _unsettled(gapId, gap, _settleableHead(gapId, gap), _MAX_ROUNDS_IN_STATS);
        s.matchedTotal = s.matchedPaid + unpaid;
        s.withdrawable = withdrawable(gapId);
        s.contributorCount = gap.contributorCount;
        s.closedRound = gap.closedRound;
        uint256 round = contributionRound();
        GapRound memory gr = _gapRounds[round][gapId];
        s.currentRoundDirect = gr.direct;
        if (gap.status == GapStatus.Active) {
            State memory st = _state;
            s.currentRoundWeight = QFMath.weight(gr.sumSqrt, uint256(gr.direct) * _SCALE);
            s.estimatedMatch = QFMath.matchRaw(
                s.currentRoundWeight,
                _roundAcc[round].totalWeight,
                st.matchingPool,
                _SCALE,
                st.wholePool
            );
        }
    }

    /// @inheritdoc IQuadraticFundingAllocator
    function getAllGapsFunding(
        uint256 offset,
        uint256 limit
    ) external view returns (GapStats[] memory gaps, SystemTotals memory totals) {
        uint256 count = _gapIds.length;
        (uint256 start, uint256 end) = Paging.window(offset, limit, count);
        gaps = new GapStats[](end - start);
        for (uint256 i = start; i < end; ++i) {
            gaps[i - start] = getGapFundingStats(_gapIds[i]);
        }
        totals.gapCount = count;
        totals.currentRound = _state.currentRound;
        totals.matchingPool = _state.matchingPool;
        // Σ over the whole registry would be an unbounded loop in one call: the view sums the
        // returned page; clients add up the pages (the SDK does).
        for (uint256 i; i < gaps.length; ++i) {
            totals.directTotal += gaps[i].directTotal;
            totals.matchedTotal += gaps[i].matchedTotal;
        }
    }

    /// @inheritdoc IQuadraticFundingAllocator
    function gapCount() external view returns (uint256) {
        return _gapIds.length;
    }

    /// @inheritdoc IQuadraticFundingAllocator
    function gapIdAt(uint256 index) external view returns (bytes32) {
        uint256 count = _gapIds.length;
        if (index >= count) revert GapIndexOutOfRange(index, count);
        return _gapIds[index];
    }

    /// @inheritdoc IQuadraticFundingAllocator
    function contributionOf(
        bytes32 gapId,
        address contributor,
        uint256 round
    ) external view returns (uint256) {
        Contributor memory c = _contributors[gapId][contributor];
        if (c.round == round) return c.amount;
        if (c.prevRound == round) return c.prevAmount;
        return 0;
    }

    /// @inheritdoc IQuadraticFundingAllocator
    function gapRoundState(
        bytes32 gapId,
        uint256 round
    ) external view returns (uint256 sumSqrt, uint256 direct, uint256 weight) {
        GapRound memory gr = _gapRounds[round][gapId];
        return (gr.sumSqrt, gr.direct, QFMath.weight(gr.sumSqrt, uint256(gr.direct) * _SCALE));
    }

    /// @inheritdoc IQuadraticFundingAllocator
    function matchOf(bytes32 gapId, uint256 round) external view returns (uint256) {
        uint256 closedRound = _gapHot[gapId].closedRound;
        if (closedRound != 0 && round >= closedRound) return 0;
        RoundSettle memory rs = _roundSettle[round];
        if (rs.finalizedAt == 0) return 0;
        GapRound memory gr = _gapRounds[round][gapId];
        uint256 w = QFMath.weight(gr.sumSqrt, uint256(gr.direct) * _SCALE);
        return _matchOf(w, _roundAcc[round].totalWeight, rs);
    }

    /// @inheritdoc IQuadraticFundingAllocator
    function withdrawable(bytes32 gapId) public view returns (uint256 amount) {
        GapHot memory gap = _gapHot[gapId];
        if (gap.status == GapStatus.None) return 0;
        (uint256 r, ) = _walkStart(gapId, gap);
        (uint256 direct, uint256 matched) = _unsettled(gapId, gap, r, MAX_ROUNDS_PER_WITHDRAWAL);
        amount = direct + matched;
    }

    // ─────────────────────────────────────────────── internals

    /// @dev Records `amount` from msg.sender for `gapId` in the round accepting contributions now,
    /// updating Σ√c, Σc and the round's W incrementally, then pulls the tokens (CEI: the transfer is
    /// last; the whole call is behind the reentrancy guard).
    function _contribute(bytes32 gapId, uint256 amount) private returns (uint256 round) {
        if (amount == 0) revert ZeroAmount();
        State memory st = _state;
        if (st.paused) revert ContractPaused();
        GapHot memory gap = _gapHot[gapId];
        if (gap.status != GapStatus.Active) {
            if (gap.status == GapStatus.None) revert UnknownGap(gapId);
            revert GapIsClosed(gapId);
        }
        round = block.timestamp < st.currentEnd ? st.currentRound : uint256(st.currentRound) + 1;

        (uint256 oldAmount, uint256 newAmount) = _recordContributor(gapId, round, amount, gap);

        GapRound memory gr = _gapRounds[round][gapId];
        if (gap.lastRound != round) {
            // The gap's first contribution in this round: link the round into the gap's list.
            gr.prevRound = gap.lastRound;
            gap.lastRound = uint32(round); // ≤ currentRound + 1, which fits 32 bits (see _finalize)
        }
        uint256 oldWeight = QFMath.weight(gr.sumSqrt, uint256(gr.direct) * _SCALE);
        uint256 newDirect = uint256(gr.direct) + amount;
        if (newDirect > type(uint96).max) revert AmountTooLarge(amount, type(uint96).max - gr.direct);
        // Replace the contributor's old root by the new one: Σ√c stays a sum of per-contributor roots.
        uint256 sumSqrt =
            uint256(gr.sumSqrt) +
                QFMath.sqrtTerm(newAmount, _SCALE) -
                (oldAmount == 0 ? 0 : QFMath.sqrtTerm(oldAmount, _SCALE));
        // Per round, not lifetime: Σ√c ≤ √(n·Σc)·1e9·√scale with Σc < 2^96, so passing 2^128 takes more
        // than 10^12 contributors in one round (checked all the same).
        gr.sumSqrt = sumSqrt.toUint128();
        gr.direct = uint96(newDirect); // < 2^96 checked above
        uint256 newWeight = QFMath.weight(sumSqrt, newDirect * _SCALE);
        _addDirectTotal(gapId, gap, amount);

        _gapRounds[round][gapId] = gr;
        _gapHot[gapId] = gap;
        if (newWeight != oldWeight) {
            RoundAcc memory acc = _roundAcc[round];
            // W ⊇ oldWeight; the checked cast rejects a W beyond 2^176 (≈ 9.6e34 tokens of weight).
            acc.totalWeight = (uint256(acc.totalWeight) + newWeight - oldWeight).toUint176();
            // gapsFunded counts the round's gaps with a positive weight.
            if (oldWeight == 0) ++acc.gapsFunded;
            else if (newWeight == 0) --acc.gapsFunded;
            _roundAcc[round] = acc;
        }
        emit ContributionMade(gapId, msg.sender, round, amount, newAmount, newWeight);
        TokenIntake.pullExact(_TOKEN, msg.sender, amount);
    }

    /// @dev Adds `amount` (< 2^96: bounded by the round total) to the gap's lifetime direct total, which
    /// is unbounded: its low 96 bits share the hot slot (`gap`, written back by the caller); the carry
    /// past them (at most 1 per call) goes to its own slot, written only then. So no contribution is
    /// ever refused because of the gap's history (test/solidity/Regressions.t.sol, BUG 3).
    function _addDirectTotal(bytes32 gapId, GapHot memory gap, uint256 amount) private {
        uint256 directTotal = uint256(gap.directTotal) + amount;
        if (directTotal > type(uint96).max) {
            ++_directCarry[gapId];
            directTotal -= 1 << 96;
        }
        gap.directTotal = uint96(directTotal);
    }

    /// @dev Adds `amount` to msg.sender's total for `gapId` in `round` (several contributions are
    /// summed before the square root) and returns its old and new totals. Counts a first-ever
    /// contributor in `gap` (written back by the caller).
    function _recordContributor(
        bytes32 gapId,
        uint256 round,
        uint256 amount,
        GapHot memory gap
    ) private returns (uint256 oldAmount, uint256 newAmount) {
        Contributor memory c = _contributors[gapId][msg.sender];
        if (c.round == round) {
            oldAmount = c.amount;
        } else {
            if (c.round == 0) ++gap.contributorCount;
            (c.prevRound, c.prevAmount) = (c.round, c.amount);
            c.round = uint32(round); // rounds fit 32 bits (see _finalize)
        }
        // Compared before adding, so an amount near 2^256 is rejected instead of overflowing.
        if (amount > type(uint96).max - oldAmount)
            revert AmountTooLarge(amount, type(uint96).max - oldAmount);
        newAmount = oldAmount + amount;
        c.amount = uint96(newAmount);
        _contributors[gapId][msg.sender] = c;
    }

    /// @dev Finalises the open round with `poolSize` raw tokens from the pool and opens the next one.
    /// Writes the state slot, the round's settle slot and the accumulator two rounds ahead: the same
    /// gas for any number of gaps.
    function _finalize(uint256 poolSize) private returns (uint256 round) {
        State memory st = _state;
        if (st.paused) revert ContractPaused();
        round = st.currentRound;
        if (block.timestamp < st.currentEnd) revert RoundNotOver(round, st.currentEnd);
        if (poolSize > st.matchingPool) revert PoolTooSmall(poolSize, st.matchingPool);
        if (poolSize > type(uint96).max) revert AmountTooLarge(poolSize, type(uint96).max);

        RoundAcc memory acc = _roundAcc[round];
        uint256 allocated = QFMath.allocation(acc.totalWeight, poolSize, _SCALE, st.wholePool);
        // finalizedAt fits 40 bits until year 36812; poolSize < 2^96 checked above.
        _roundSettle[round] = RoundSettle(
            uint40(block.timestamp),
            st.wholePool,
            st.capBps,
            uint96(poolSize),
            0
        );
        // Contributions may reach round + 1 before round + 1 is finalised (a late keeper), so the
        // accumulator opened now is the one of round + 2.
        _roundAcc[round + 2].opened = true;

        // What the round does not allocate stays in the pool for later rounds.
        st.matchingPool -= uint128(allocated); // allocated ≤ poolSize ≤ matchingPool
        // Bounded by time: a round lasts ≥ 1 second, so 2³² rounds take at least 136 years.
        st.currentRound = (round + 1).toUint32();
        uint256 nextEnd = block.timestamp + _ROUND_DURATION;
        st.currentEnd = uint40(nextEnd); // < 2^40 for any timestamp before year 36812
        _state = st;
        emit RoundFinalized(round, poolSize, acc.totalWeight, allocated, acc.gapsFunded, nextEnd);
    }

    /// @dev Where a withdrawal starts: the cursor of an unfinished walk, or the newest settleable
    /// round (finalised, and before the gap closed) — at most two unfinalised rounds are skipped.
    function _walkStart(bytes32 gapId, GapHot memory gap) private view returns (uint256 r, uint256 top) {
        if (gap.walking) {
            GapWalk memory walk = _gapWalk[gapId];
            return (walk.cursor, walk.top);
        }
        r = _settleableHead(gapId, gap);
        top = r;
    }

    /// @dev The gap's newest round that is finalised and before its closing (0 if none): at most two
    /// unfinalised rounds and, for a closed gap, two refundable ones are skipped, all at the head of the
    /// list. Every listed round below it is finalised and before the closing too.
    function _settleableHead(bytes32 gapId, GapHot memory gap) private view returns (uint256 r) {
        uint256 closedRound = gap.closedRound;
        r = gap.lastRound;
        while (r != 0 && ((closedRound != 0 && r >= closedRound) || _roundSettle[r].finalizedAt == 0)) {
            r = _gapRounds[r][gapId].prevRound;
        }
    }

    /// @dev Σ direct and Σ match of the gap's unsettled rounds over at most `maxRounds` listed rounds from
    /// `r` (a settleable round: `_settleableHead` or the walk's cursor) down to `paidThrough` (exclusive).
    /// During a paginated walk the rounds in (cursor, top] are already settled: they are skipped. From the
    /// walk's start (`_walkStart`) this is what the next withdrawal pays; from the head, every unpaid match.
    function _unsettled(
        bytes32 gapId,
        GapHot memory gap,
        uint256 r,
        uint256 maxRounds
    ) private view returns (uint256 direct, uint256 matched) {
        GapWalk memory walk;
        if (gap.walking) walk = _gapWalk[gapId];
        for (uint256 n; n < maxRounds && r > gap.paidThrough; ++n) {
            if (r > walk.cursor && r <= walk.top) {
                r = walk.cursor; // a round of the list: the walk's next one
                continue;
            }
            GapRound memory gr = _gapRounds[r][gapId];
            uint256 w = QFMath.weight(gr.sumSqrt, uint256(gr.direct) * _SCALE);
            direct += gr.direct;
            matched += _matchOf(w, _roundAcc[r].totalWeight, _roundSettle[r]);
            r = gr.prevRound;
        }
    }

    /// @dev The match of gap weight `w` in a finalised round with weight `totalWeight`, after the
    /// round's cap. Rounds down (see QFMath).
    function _matchOf(
        uint256 w,
        uint256 totalWeight,
        RoundSettle memory rs
    ) private view returns (uint256 amount) {
        if (w == 0) return 0;
        amount = QFMath.matchRaw(w, totalWeight, rs.poolSize, _SCALE, rs.wholePool);
        if (rs.capBps != 0) {
            uint256 cap = QFMath.capRaw(rs.poolSize, rs.capBps);
            if (amount > cap) amount = cap;
        }
    }

    /// @dev Books gap `gapId`'s match of finalised round `round` as paid and returns it.
    function _settleRound(bytes32 gapId, uint256 round, GapRound memory gr) private returns (uint256 amount) {
        uint256 w = QFMath.weight(gr.sumSqrt, uint256(gr.direct) * _SCALE);
        if (w != 0) {
            RoundAcc memory acc = _roundAcc[round];
            RoundSettle memory rs = _roundSettle[round];
            amount = _matchOf(w, acc.totalWeight, rs);
            rs.paid += uint96(amount); // Σ matches ≤ allocation ≤ poolSize < 2^96
            ++acc.gapsSettled;
            _roundAcc[round] = acc;
            _roundSettle[round] = rs;
        }
        emit GapRoundSettled(gapId, round, gr.direct, amount);
    }
}
