// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ITokenErrors} from "./ITokenErrors.sol";

/// @title IQuadraticFundingAllocator
/// @notice Contributors fund "gaps" from their wallets; a matching pool is distributed quadratically
/// in rounds. For a gap g in a round, with cᵢ the TOTAL contributor i gave g in that round,
/// wᵍ = (Σᵢ√cᵢ)² − Σᵢcᵢ and W = Σᵍwᵍ. A round finalised with pool P pays gap g the match
/// ⌊α·wᵍ⌋ with α = min(1, P/W) (default) or α = P/W ("distribute the whole pool"), optionally capped
/// per gap at `capBps` basis points of P. Matching math runs on amounts normalised to 18 decimals.
/// @dev Rounds tile time with half-open contribution windows: round r accepts contributions made in
/// [endTime(r−1), endTime(r)), where endTime(r) = startTime(r) + roundDuration and startTime(r) is the
/// moment round r−1 was finalised. A contribution made at or after endTime(current) while the keeper
/// has not finalised the current round yet belongs to the next round, so contributing and matching
/// never overlap. Σ√c, Σc and W are maintained incrementally, so finalising a round costs the same
/// gas for any number of gaps; each gap's match is computed lazily when the gap withdraws.
/// @dev Warning: assumes a standard ERC-20 without fees on transfer and without transfer hooks.
/// Tokens that deliver less than the requested amount are rejected (`TransferAmountMismatch`),
/// tokens that return `false` are rejected by SafeERC20, every token movement is behind a reentrancy
/// guard. Sybil resistance (one person, many addresses) is outside the contract.
interface IQuadraticFundingAllocator is ITokenErrors {
    // ─────────────────────────────────────────────── types

    /// @notice Lifecycle of a gap.
    enum GapStatus {
        None,
        Active,
        Closed
    }

    /// @notice Lifecycle of a round.
    enum RoundStatus {
        None,
        Open,
        Finalized
    }

    /// @notice A round as exposed by `getRound`. Amounts in raw token units; weights normalised (1e18 = 1 token).
    struct RoundView {
        uint256 roundNumber;
        /// @notice Matching pool tokens the keeper committed when finalising (`poolSize`).
        uint256 matchingPoolTokens;
        /// @notice Gaps with a positive weight in the round (closed gaps excluded).
        uint256 gapsFunded;
        /// @notice W = Σ wᵍ over the round's funded gaps (18-decimal normalised units).
        uint256 totalWeight;
        /// @notice Matching allocated to the round's gaps: α·W at finalisation (raw tokens); once the
        /// round is swept, what was actually paid (the cap excess and rounding dust went back to the pool).
        uint256 distributed;
        /// @notice Matching already paid out to gap recipients.
        uint256 claimed;
        /// @notice Gaps whose match of this round was paid.
        uint256 gapsSettled;
        RoundStatus status;
        uint256 startTime;
        uint256 endTime;
        uint256 finalizedAt;
        /// @notice The per-gap cap in basis points of the pool in force for the round (0 = no cap).
        uint256 capBps;
        /// @notice Whether the round distributed the whole pool (α = P/W) rather than α = min(1, P/W).
        bool distributeWholePool;
        /// @notice Whether `sweepRound` returned the round's unpaid allocation to the pool.
        bool swept;
    }

    /// @notice A gap's funding as exposed by `getGapFundingStats`. Amounts in raw token units.
    struct GapStats {
        bytes32 gapId;
        address recipient;
        GapStatus status;
        string metadataURI;
        /// @notice Direct contributions made to the gap and not refunded, exact and unbounded (it never
        /// limits a contribution).
        uint256 directTotal;
        /// @notice Every match allocated to the gap by finalised rounds, paid or not (a round's match shows
        /// as soon as the round is finalised). Unpaid matches are read from the gap's newest
        /// 256 unsettled rounds; older unsettled ones count once a withdrawal settles them.
        uint256 matchedTotal;
        /// @notice Distinct addresses that ever contributed to the gap.
        uint256 contributorCount;
        /// @notice Direct contributions in the round currently accepting contributions.
        uint256 currentRoundDirect;
        /// @notice The gap's weight wᵍ in that round (normalised units).
        uint256 currentRoundWeight;
        /// @notice The match the gap would get if that round were finalised now with the whole
        /// available matching pool under the current settings (before any cap).
        uint256 estimatedMatch;
        /// @notice The round from which contributions are refundable (0 while the gap is open).
        uint256 closedRound;
        /// @notice Matches already paid to the recipient (≤ matchedTotal).
        uint256 matchedPaid;
        /// @notice Contributions refunded to their contributors after the gap closed.
        uint256 refundedTotal;
        /// @notice Direct + matched tokens ready to pay now: what the next `withdrawGapFunds` pays
        /// (the same as `withdrawable(gapId)`).
        uint256 withdrawable;
    }

    /// @notice System-wide totals returned by `getAllGapsFunding`.
    struct SystemTotals {
        /// @notice Registered gaps.
        uint256 gapCount;
        /// @notice Σ directTotal over the returned page (add pages up for the whole registry).
        uint256 directTotal;
        /// @notice Σ matchedTotal over the returned page.
        uint256 matchedTotal;
        /// @notice Matching pool tokens available for future rounds.
        uint256 matchingPool;
        uint256 currentRound;
    }

    // ─────────────────────────────────────────────── events

    /// @notice A curator registered a gap.
    event GapRegistered(bytes32 indexed gapId, address indexed recipient, string metadataURI);
    /// @notice A curator closed a gap; contributions of rounds ≥ `closedRound` become refundable.
    event GapClosed(bytes32 indexed gapId, uint256 indexed closedRound);
    /// @notice `contributor` gave `amount` tokens to `gapId` in `round`; the gap's weight in the round
    /// is now `gapWeight` and the contributor's total in the round `contributorRoundTotal`.
    event ContributionMade(
        bytes32 indexed gapId,
        address indexed contributor,
        uint256 indexed round,
        uint256 amount,
        uint256 contributorRoundTotal,
        uint256 gapWeight
    );
    /// @notice `funder` added `amount` tokens to the matching pool.
    event MatchingPoolFunded(address indexed funder, uint256 amount, uint256 newBalance);
    /// @notice A round was finalised: `distributed` of `poolSize` is allocated to its gaps.
    event RoundFinalized(
        uint256 indexed round,
        uint256 poolSize,
        uint256 totalWeight,
        uint256 distributed,
        uint256 gapsFunded,
        uint256 nextRoundEndTime
    );
    /// @notice The gap's recipient was paid the gap's settled funds of `round`.
    event GapRoundSettled(bytes32 indexed gapId, uint256 indexed round, uint256 direct, uint256 matched);
    /// @notice `amount` tokens were sent to the gap's recipient.
    event GapFundsWithdrawn(bytes32 indexed gapId, address indexed recipient, uint256 amount);
    /// @notice A swept round gave back to the matching pool what it allocated but did not pay (cap
    /// excess and rounding dust).
    event MatchingReturned(uint256 indexed round, uint256 amount);
    /// @notice A contributor got back a contribution to a closed gap.
    event ContributionRefunded(
        bytes32 indexed gapId,
        address indexed contributor,
        uint256 indexed round,
        uint256 amount
    );
    /// @notice The admin changed the matching settings.
    event MatchingSettingsUpdated(bool distributeWholePool, uint256 capBps);
    /// @notice The admin changed the pool size `performUpkeep` uses (0 = the whole available pool).
    event UpkeepPoolSizeUpdated(uint256 poolSize);
    /// @notice Contributions and round finalisation were paused or unpaused.
    event PausedSet(address indexed account, bool paused);

    // ─────────────────────────────────────────────── errors

    /// @notice `gapId` was never registered.
    error UnknownGap(bytes32 gapId);
    /// @notice `gapId` is already registered.
    error GapAlreadyRegistered(bytes32 gapId);
    /// @notice `gapId` is closed.
    error GapIsClosed(bytes32 gapId);
    /// @notice `gapId` is still open (refunds need a closed gap).
    error GapNotClosed(bytes32 gapId);
    /// @notice An amount of zero was given.
    error ZeroAmount();
    /// @notice The gap id is zero.
    error ZeroGapId();
    /// @notice `amount` exceeds what the accounting supports (`max`).
    error AmountTooLarge(uint256 amount, uint256 max);
    /// @notice Round `round` accepts contributions until `endsAt`; it cannot be finalised before.
    error RoundNotOver(uint256 round, uint256 endsAt);
    /// @notice The keeper asked for `requested` matching tokens but only `available` are in the pool.
    error PoolTooSmall(uint256 requested, uint256 available);
    /// @notice The round duration is zero or too long.
    error InvalidRoundDuration(uint256 duration);
    /// @notice `capBps` is above 10,000.
    error InvalidCap(uint256 capBps);
    /// @notice The contract is paused.
    error ContractPaused();
    /// @notice The contract is not paused.
    error ContractNotPaused();
    /// @notice `gapId` has nothing to withdraw now.
    error NothingToWithdraw(bytes32 gapId);
    /// @notice `contributor` has nothing refundable in `gapId` for `round`.
    error NothingToRefund(bytes32 gapId, address contributor, uint256 round);
    /// @notice Round `round` is not finalised.
    error RoundNotFinalized(uint256 round);
    /// @notice Round `round` was already swept.
    error RoundAlreadySwept(uint256 round);
    /// @notice Only `gapsSettled` of the `gapsFunded` funded gaps of round `round` have withdrawn its match.
    error GapsUnsettled(uint256 round, uint256 gapsSettled, uint256 gapsFunded);
    /// @notice `performData` could not be decoded.
    error InvalidPerformData();
    /// @notice No gap was registered at `index` (only `count` gaps exist).
    error GapIndexOutOfRange(uint256 index, uint256 count);

    // ─────────────────────────────────────────────── curator

    /// @notice Registers a gap that can receive contributions and matching.
    /// @dev Only `CURATOR_ROLE`. Reverts with `ZeroGapId`, `ZeroAddress` or `GapAlreadyRegistered`.
    /// @param gapId The gap's id (the SDK uses keccak256(utf8(name))).
    /// @param recipient Who receives the gap's settled funds.
    /// @param metadataURI Free-form description (URL, IPFS URI, …).
    function registerGap(bytes32 gapId, address recipient, string calldata metadataURI) external;

    /// @notice Closes a gap: no more contributions; contributions of rounds not finalised yet are
    /// removed from matching and become refundable to their contributors; funds of finalised rounds
    /// stay withdrawable by the recipient.
    /// @dev Only `CURATOR_ROLE`. Reverts with `UnknownGap` or `GapIsClosed`.
    /// @param gapId The gap to close (registered and still active).
    function closeGap(bytes32 gapId) external;

    // ─────────────────────────────────────────────── contributors

    /// @notice Moves `amount` tokens from `msg.sender` into the gap's escrow for the round that
    /// accepts contributions now (see the contract's @dev on windows). The contributor is always
    /// `msg.sender`; its contributions to one gap in one round are summed before the square root.
    /// @dev Needs an allowance. Reverts with `ZeroAmount`, `UnknownGap`, `GapIsClosed`,
    /// `ContractPaused`, `AmountTooLarge` or `TransferAmountMismatch`.
    /// @dev Warning: a contribution sent in the same block as the keeper's `computeMatchingRound`
    /// belongs to whichever round its timestamp falls in, never to a finalised round.
    /// @param gapId The gap to fund (registered and active).
    /// @param amount The tokens to contribute, in raw token units (> 0); the contributor's round total
    /// and the gap's round total must each stay below 2⁹⁶ (the gap's all-time total is unbounded).
    /// @return round The round the contribution counts in.
    function contributeToGap(bytes32 gapId, uint256 amount) external returns (uint256 round);

    /// @notice `contributeToGap` with an EIP-2612 permit signed by `msg.sender`.
    /// @dev A permit that fails (e.g. it was front-run and already used) is ignored when the
    /// allowance already covers `amount`, so front-running a permit cannot block the contribution.
    /// @param gapId The gap to fund (registered and active).
    /// @param amount The tokens to contribute, in raw token units (> 0); also the permit's value.
    /// @param deadline The permit's expiry (unix seconds), as signed.
    /// @param v The permit signature's recovery byte.
    /// @param r The permit signature's r.
    /// @param s The permit signature's s.
    /// @return round The round the contribution counts in.
    function contributeToGapWithPermit(
        bytes32 gapId,
        uint256 amount,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external returns (uint256 round);

    /// @notice Adds `amount` tokens from `msg.sender` to the matching pool. Anyone may fund it.
    /// @dev Reverts with `ZeroAmount`, `AmountTooLarge` (the pool would reach 2¹¹²) or
    /// `TransferAmountMismatch`. Allowed while paused.
    /// @param amount The tokens to add, in raw token units (> 0).
    function fundMatchingPool(uint256 amount) external;

    /// @notice Refunds `msg.sender`'s contribution to a closed gap made in a round that was not
    /// finalised when the gap closed. Allowed while paused.
    /// @dev Reverts with `UnknownGap`, `GapNotClosed` or `NothingToRefund`.
    /// @param gapId The closed gap.
    /// @param round The round the contribution counted in, ≥ the gap's `closedRound` (the refundable rounds,
    /// the one open at closing and the next, are always among the two the contract keeps per contributor).
    /// @return amount The tokens sent back (raw), the contributor's whole total for that round (> 0).
    function refundContribution(bytes32 gapId, uint256 round) external returns (uint256 amount);

    // ─────────────────────────────────────────────── keepers

    /// @notice Finalises the current round with a matching pool of `poolSize` tokens taken from the
    /// available matching pool and opens the next round. Constant gas in the number of gaps.
    /// @dev Only `KEEPER_ROLE`; not while paused. Reverts with `RoundNotOver` before
    /// `endTime(current)` and `PoolTooSmall` when `poolSize` exceeds the available pool. What the
    /// round does not allocate (α < 1 in default mode, or W = 0) stays in the pool for later rounds.
    /// @param poolSize The matching pool P for the round, in raw token units: ≤ `matchingPoolBalance()`
    /// and < 2⁹⁶; 0 finalises the round without matching.
    /// @return roundNumber The round that was finalised (the next one, roundNumber + 1, is now current).
    function computeMatchingRound(uint256 poolSize) external returns (uint256 roundNumber);

    /// @notice Pays the gap's recipient its settled funds: direct contributions and matches of
    /// finalised rounds (rounds before the gap closed). Anyone may call; funds go to the recipient.
    /// Works while paused. Settles at most `MAX_ROUNDS_PER_WITHDRAWAL` rounds per call (call again
    /// for more).
    /// @dev Reverts with `UnknownGap` or `NothingToWithdraw`.
    /// @param gapId The gap whose recipient is paid.
    /// @return amount The raw tokens paid: the settled rounds' direct contributions plus their matches
    /// (each rounded down and capped).
    function withdrawGapFunds(bytes32 gapId) external returns (uint256 amount);

    /// @notice Once every funded gap of finalised round `round` has withdrawn its match, returns what
    /// the round allocated but did not pay (the per-gap cap's excess and rounding dust) to the matching
    /// pool. Anyone may call it (the keeper does); it moves no tokens. Works while paused.
    /// @dev Reverts with `RoundNotFinalized`, `GapsUnsettled` or `RoundAlreadySwept`.
    /// @param round A finalised round, not swept yet.
    /// @return amount The raw tokens returned to the pool (may be 0).
    function sweepRound(uint256 round) external returns (uint256 amount);

    /// @notice Chainlink Automation: whether the current round is due for finalisation.
    /// @param checkData Ignored (part of the Automation interface).
    /// @return upkeepNeeded True once `endTime(current)` has passed and the contract is not paused.
    /// @return performData abi.encode(poolSize) for `performUpkeep`: the pool size set by
    /// `setUpkeepPoolSize`, or the whole available pool when that is 0 or larger than the pool.
    function checkUpkeep(
        bytes calldata checkData
    ) external view returns (bool upkeepNeeded, bytes memory performData);

    /// @notice Chainlink Automation: finalises the round with the pool size encoded in `performData`
    /// (capped at the available pool). Only `KEEPER_ROLE` (grant it to the automation forwarder).
    /// @dev Reverts with `InvalidPerformData`, otherwise as `computeMatchingRound` (never `PoolTooSmall`).
    /// @param performData Exactly 32 bytes: abi.encode(uint256 poolSize), poolSize in raw token units.
    function performUpkeep(bytes calldata performData) external;

    // ─────────────────────────────────────────────── admin

    /// @notice Sets the matching mode and the per-gap cap (basis points of the round's pool; 0 = none).
    /// Takes effect for rounds finalised afterwards. Only `DEFAULT_ADMIN_ROLE`.
    /// @dev Reverts with `InvalidCap`.
    /// @param distributeWholePool True: α = P/W, the whole pool is allocated whenever W > 0. False (default):
    /// α = min(1, P/W), no gap gets more than its weight and the rest stays in the pool.
    /// @param capBps The per-gap cap in basis points of the round's pool, ≤ 10,000; 0 = no cap.
    function setMatchingSettings(bool distributeWholePool, uint256 capBps) external;

    /// @notice Sets the pool size `checkUpkeep` proposes (0 = the whole available pool). Only admin.
    /// @param poolSize The pool per automated round in raw token units; 0, or more than the pool holds at
    /// the time, means the whole available pool.
    function setUpkeepPoolSize(uint256 poolSize) external;

    /// @notice Pauses contributions and round finalisation. Withdrawals, refunds and pool funding
    /// stay open. Only `PAUSER_ROLE`.
    function pause() external;

    /// @notice Lifts the pause. Only `PAUSER_ROLE`.
    function unpause() external;

    // ─────────────────────────────────────────────── views

    /// @notice The ERC-20 this allocator moves.
    /// @return The token's address (≤ 18 decimals, fixed at deployment).
    function token() external view returns (address);

    /// @notice The minimum length of a round in seconds.
    /// @return The duration in seconds (fixed at deployment, 1 s to 365 days).
    function roundDuration() external view returns (uint256);

    /// @notice The round that is open (not finalised yet).
    /// @return The round number (1-based; round 1 starts at deployment).
    function currentRound() external view returns (uint256);

    /// @notice The round a contribution made now would count in (current, or current+1 once the
    /// current round's window has ended but the keeper has not finalised it).
    /// @return The round number: `currentRound()` or `currentRound() + 1`.
    function contributionRound() external view returns (uint256);

    /// @notice Matching pool tokens available for future rounds.
    /// @return The pool in raw token units (funded, minus what finalised rounds allocated, plus sweeps).
    function matchingPoolBalance() external view returns (uint256);

    /// @notice Whether contributions and finalisation are paused.
    /// @return True while paused.
    function paused() external view returns (bool);

    /// @notice The current matching settings, applied to rounds finalised from now on.
    /// @return distributeWholePool Whether α = P/W (true) or α = min(1, P/W) (false).
    /// @return capBps The per-gap cap in basis points of the round's pool (0 = no cap).
    function matchingSettings() external view returns (bool distributeWholePool, uint256 capBps);

    /// @notice Everything about round `roundNumber` (zeros with status None for unknown rounds).
    /// @param roundNumber The round (1-based); rounds 1 … currentRound() + 1 are known.
    /// @return The round's pool, weight, allocation, payments, status, times and settings (see `RoundView`);
    /// the next round (currentRound() + 1) reports zero start and end times.
    function getRound(uint256 roundNumber) external view returns (RoundView memory);

    /// @notice A gap's status, cheaply (CoordinatedPledges checks it when a campaign is created).
    /// @param gapId The gap.
    /// @return The gap's status (`None` for an id never registered; does not revert).
    function gapStatus(bytes32 gapId) external view returns (GapStatus);

    /// @notice One gap's funding breakdown.
    /// @dev Reverts with `UnknownGap`.
    /// @param gapId The gap.
    /// @return The gap's recipient, status, totals (raw tokens) and the round accepting contributions now
    /// (see `GapStats`).
    function getGapFundingStats(bytes32 gapId) external view returns (GapStats memory);

    /// @notice Gaps in registration order, `limit` from `offset`, plus system totals.
    /// @dev Paged like every paged view (libraries/Paging.sol): `limit` 0 reads to the last gap, whose
    /// cost grows with the registry (for eth_call).
    /// @param offset The index of the first gap returned (0-based, registration order).
    /// @param limit The most gaps returned (clamped to the registry; 0 = every gap from `offset` on; an
    /// offset past the end returns none).
    /// @return gaps One `getGapFundingStats` row per returned gap.
    /// @return totals The registry's size, matching pool and current round, and the page's sums.
    function getAllGapsFunding(
        uint256 offset,
        uint256 limit
    ) external view returns (GapStats[] memory gaps, SystemTotals memory totals);

    /// @notice Number of registered gaps.
    /// @return The number of gaps ever registered (closed ones included).
    function gapCount() external view returns (uint256);

    /// @notice The id of the `index`-th registered gap (registration order).
    /// @param index 0 … gapCount() − 1 (reverts with `GapIndexOutOfRange` beyond).
    /// @return The gap's id.
    function gapIdAt(uint256 index) external view returns (bytes32);

    /// @notice The tokens `contributor` gave `gapId` in `round` (net of refunds). Kept on-chain for the
    /// contributor's two latest rounds with the gap; older rounds are in the `ContributionMade` events.
    /// @param gapId The gap.
    /// @param contributor The contributing address.
    /// @param round The round.
    /// @return The raw tokens; 0 when none, when refunded, or when the round is no longer kept.
    function contributionOf(
        bytes32 gapId,
        address contributor,
        uint256 round
    ) external view returns (uint256);

    /// @notice The gap's Σ√c (normalised, 1e18 = 1 √token), Σc (raw) and weight in `round`.
    /// @param gapId The gap (zeros for an unknown gap).
    /// @param round The round (zeros for a round without contributions to the gap).
    /// @return sumSqrt Σᵢ⌊√(cᵢ·scale·1e18)⌋ over the round's contributors, each root rounded down (refunds
    /// do not change it).
    /// @return direct Σᵢcᵢ in raw token units, net of refunds.
    /// @return weight (Σ√c)² − Σc in 18-decimal normalised units, rounded down, 0 if negative. Rounds from
    /// a closed gap's `closedRound` on no longer count in matching (a refund lowers `direct`, not `sumSqrt`).
    function gapRoundState(
        bytes32 gapId,
        uint256 round
    ) external view returns (uint256 sumSqrt, uint256 direct, uint256 weight);

    /// @notice The match (raw tokens, after any cap) gap `gapId` gets or got in finalised round `round`.
    /// @param gapId The gap.
    /// @param round The round.
    /// @return The match, rounded down; 0 for a round not finalised, a round from the gap's closing on,
    /// or a gap with zero weight (e.g. a single contributor).
    function matchOf(bytes32 gapId, uint256 round) external view returns (uint256);

    /// @notice What `withdrawGapFunds` would pay now (up to `MAX_ROUNDS_PER_WITHDRAWAL` rounds).
    /// @param gapId The gap (0 for an unknown gap).
    /// @return The raw tokens, direct contributions plus matches.
    function withdrawable(bytes32 gapId) external view returns (uint256);
}
