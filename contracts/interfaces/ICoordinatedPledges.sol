// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ITokenErrors} from "./ITokenErrors.sol";

/// @title ICoordinatedPledges
/// @notice Conditional pledges without a matching pool. Pledger i escrows a limit Lᵢ and is assigned a
/// saturation speed sᵢ by the campaign's policy. After the deadline the campaign settles at the
/// unique positive h with
///
///     quadratic mode:  h = Σᵢ √pᵢ(h)        linear mode:  h = Σᵢ pᵢ(h)
///     pᵢ(h) = Lᵢ · (2/π) · arctan(h · sᵢ)
///
/// (h = 0 in linear mode when (2/π)·Σ Lᵢsᵢ ≤ 1). Each pledger pays pᵢ(h) ≤ Lᵢ and gets Lᵢ − pᵢ(h)
/// back; the recipient (or a QuadraticFundingAllocator gap) gets the pot Σpᵢ(h).
///
/// Units. Limits and payments are raw token units. The math runs in 18-decimal fixed point
/// (PRBMath UD60x18, 1e18 = 1) on limits normalised to 18 decimals: h is in √token (quadratic) or
/// token (linear) units, a speed in 1/√token or 1/token. Pledge ids are per campaign and start at
/// 0; pledge k is the k-th pledge ever made in its campaign (withdrawn ones included). Under the
/// geometric policy each pledge takes the next slot of s₀, ⌊s₀·r⌋, ⌊⌊s₀·r⌋·r⌋, … (s_{j+1} = ⌊s_j · r⌋),
/// floored at ⌊s₀/10⁶⌋ (at least 1 wei): once the product falls below the floor every later pledge
/// gets the floor, so the policy never shuts pledging. Withdrawing the latest pledge releases its slot
/// (the next pledge gets that speed again); a withdrawn earlier pledge keeps its slot taken. Without
/// withdrawals, pledge k's speed is max(s_k, floor). The harmonic policy's slots work the same way with
/// 1/s_{k+1} = 1/s_k + c/s₀ (at least 1 wei). Under the limit-sqrt policy a pledge's speed is
/// s₀·√(L₀/L) from its own (combined) limit L, whatever its place.
///
/// Settlement. Anyone submits a bracket hLow ≤ hHigh computed off-chain (the SDK's exact mirror
/// finds the tightest one). The contract evaluates its own fixed-point g, with
///     g(h) = Σᵢ ⌊√(Lᵢ·Aᵢ(h))⌋ (quadratic, 27 decimals) or Σᵢ ⌊Lᵢ·Aᵢ(h)⌋ (linear, 36 decimals),
///     Aᵢ(h) = ⌊(2/π) · atan(h·sᵢ)⌋ with 36 decimals (h·sᵢ taken exactly),
/// which is monotone non-decreasing and rounds down, in one pass over the pledges (in pages if
/// needed), and accepts the bracket when g(hLow) ≥ hLow, g(hHigh) ≤ hHigh (compared without rounding
/// g to h's 18 decimals) and hHigh − hLow ≤ ⌊hLow / 1e12⌋ + 4 wei. g is concave (√ and atan are
/// concave and non-decreasing), so g(h)/h decreases and the root of g lies in the bracket. Since g is
/// monotone and g(0) = 0, every campaign has such a bracket the moment its deadline passes (the
/// largest h with g(h) ≥ h, or 0, and the next integer): settlement cannot be blocked. The campaign
/// settles at h = hLow and every payment is pᵢ = ⌊Lᵢ · Aᵢ(hLow)⌋ in raw token units — rounded down,
/// so the escrow always covers refunds plus pot, and refunds + pot = escrow exactly.
///
/// Precision. Payments are within the required tolerance (1e-9 relative or 1e-12 tokens, before the final
/// rounding down to the token's raw unit) of the exact model, including tiny saturations (h·sᵢ down
/// to 1e-18: A has 36 decimals, from a [5/4] Padé approximant below h·s = 1e-3) and linear campaigns
/// near the collapse threshold δ = (2/π)·ΣLᵢsᵢ − 1 → 0⁺, where the root moves by (g's rounding)/(2δ):
/// g's rounding is at most Σᵢ(Lᵢ + 1)·1e-36 tokens, so the tolerance holds whenever that over 2δ is
/// within it — e.g. for every δ ≥ 1e-18, whatever the escrow (tested at 50 digits for
/// δ = 1e-9 … 1e-13 with 1e6 tokens). Below that the settled h errs LOW (pledgers pay less, never
/// more), down to h = 0 when the root lies within one unit of h, which is then settled through the
/// certified bracket [0, 1].
///
/// @dev Warning: supported tokens are standard ERC-20s with ≤ 18 decimals, without fees on transfer,
/// rebasing or transfer hooks. Tokens that deliver less than requested are rejected
/// (`TransferAmountMismatch`); tokens returning `false` are rejected by SafeERC20; every token
/// movement runs behind a reentrancy guard with checks-effects-interactions.
/// @dev Warning: pledges are public before the deadline. Under the geometric (and harmonic) policy the
/// first pledges get the fastest speeds: an attacker can front-run honest pledgers, or keep dust pledges
/// active, to push them to slower speeds — down to the floor ⌊s₀/10⁶⌋ at worst (harmonic: s₀/(1 + c·k)
/// after k pledges; the creator's minimum limit prices this). Pledging and withdrawing at once costs
/// honest pledgers nothing: the latest pledge's withdrawal releases its speed slot. Under the
/// limit-sqrt policy a smaller limit gets a faster speed (s ∝ 1/√L): the place does not matter, but a
/// limit split over addresses saturates faster (the minimum limit bounds it).
/// Under any policy a pledger can wait until just before the deadline to see the others.
/// @dev Warning: pledges are aggregated per address, not across addresses. An address has at most one
/// active pledge per campaign (pledging again raises it, so splitting a limit from one address gains
/// nothing), but k addresses pledging L/k each weigh like k pledgers in quadratic mode (Σ√p grows by a
/// factor up to √k); sybil resistance is outside the contract (the minimum limit and the geometric policy temper
/// it).
/// @dev The bracket [0, 0] (no pass) is accepted only when no positive root exists, or as a liveness
/// backstop once `SETTLEMENT_GRACE_PERIOD` has passed after the deadline; every campaign has a
/// certifiable bracket before that, so an honest settler never needs it.
interface ICoordinatedPledges is ITokenErrors {
    // ─────────────────────────────────────────────── types

    /// @notice How payments combine into h.
    /// @dev Quadratic: h = Σ√pᵢ(h), h in √token. Linear: h = Σpᵢ(h), h in token.
    enum Mode {
        Quadratic,
        Linear
    }

    /// @notice How a pledge's saturation speed is assigned.
    /// @dev Constant: sᵢ = s₀. Geometric: slots s₀, ⌊s₀·r⌋, … floored at max(⌊s₀/10⁶⌋, 1). Harmonic:
    /// slots s₀, s₁, … with 1/s_{k+1} = 1/s_k + c/s₀ (s_k ≈ s₀/(1 + c·k), never 0; see
    /// PledgeMath.harmonicNextSpeed). Under both the latest pledge's withdrawal releases its slot (see
    /// the contract header). LimitSqrt: sᵢ = s₀·√(L₀/Lᵢ) from the pledge's own normalised limit Lᵢ
    /// (PledgeMath.limitSqrtSpeed), whatever its place: every quarter circle saturates at the same h
    /// relative to its size; a raise recomputes the speed from the combined limit.
    enum Policy {
        Constant,
        Geometric,
        Harmonic,
        LimitSqrt
    }

    /// @notice Lifecycle of a campaign. `Open` covers both "before the deadline" (pledging) and
    /// "after the deadline, not settled yet" (settling); compare `deadline` with the block time.
    enum CampaignState {
        None,
        Open,
        Cancelled,
        Settled
    }

    /// @notice Lifecycle of a pledge.
    enum PledgeState {
        None,
        Active,
        Withdrawn,
        Claimed
    }

    /// @notice The parameters of `createCampaign`.
    struct CampaignParams {
        /// @notice The ERC-20 pledged (≤ 18 decimals).
        address token;
        /// @notice Who receives the pot (also the fallback when the gap contribution fails).
        address recipient;
        /// @notice Pledging is allowed while block.timestamp < deadline, settlement once ≥ deadline.
        uint64 deadline;
        Mode mode;
        Policy policy;
        /// @notice s₀ (UD60x18, 1e18 = 1/√token or 1/token), 0 < s₀ ≤ 1e27 (i.e. 1e9).
        uint256 initialSpeed;
        /// @notice The policy's parameter: r (UD60x18, 0 < r ≤ 1e18) under the geometric policy; c
        /// (UD60x18, 0 < c ≤ 1e24) under the harmonic policy; L₀, the limit whose speed is s₀ (an
        /// 18-decimal token amount, 0 < L₀ ≤ 1e38, i.e. 1e20 tokens), under the limit-sqrt policy;
        /// ignored (stored as 1e18) under the constant policy.
        uint256 decay;
        /// @notice The smallest accepted limit in raw token units (0 = any positive amount).
        uint256 minLimit;
        /// @notice Optional QuadraticFundingAllocator whose gap `gapId` receives the pot (zero = none).
        address allocator;
        /// @notice The allocator gap receiving the pot (must be non-zero iff `allocator` is set).
        bytes32 gapId;
    }

    /// @notice A campaign as exposed by `getCampaign`.
    struct CampaignView {
        uint256 campaignId;
        address token;
        address recipient;
        address creator;
        uint64 deadline;
        Mode mode;
        Policy policy;
        CampaignState state;
        /// @notice 10^(18 − decimals): multiplies raw amounts into 18-decimal amounts.
        uint256 scale;
        uint256 initialSpeed;
        /// @notice The policy's parameter (r, c or L₀; 1e18 under the constant policy), see `CampaignParams`.
        uint256 decay;
        /// @notice The speed the next pledge will get (never 0: the slot policies stop at 1 wei or their
        /// floor). Under the limit-sqrt policy, s₀: the speed of a pledge of L₀ (a pledge's speed depends
        /// on its limit).
        uint256 nextSpeed;
        uint256 minLimit;
        address allocator;
        bytes32 gapId;
        /// @notice Pledges ever made (withdrawn ones included); ids run from 0 to pledgeCount − 1.
        uint256 pledgeCount;
        /// @notice Raw tokens escrowed by pledges that are not withdrawn.
        uint256 escrow;
        /// @notice Σ Lᵢ·sᵢ over active pledges, exact, in 1e36 units (normalised limit × speed).
        uint256 sumLimitSpeed;
        /// @notice The settled h (UD60x18), 0 before settlement.
        uint256 h;
        /// @notice The settled pot in raw token units, 0 before settlement.
        uint256 pot;
        bool potClaimed;
        /// @notice Raw tokens of the pot paid into the allocator gap and not reclaimed (see `reclaimPot`).
        uint256 potInGap;
        /// @notice The allocator round the pot went into (0 when none did).
        uint256 gapRound;
    }

    /// @notice A pledge as exposed by `getPledge`.
    struct PledgeView {
        address pledger;
        /// @notice The escrowed limit in raw token units.
        uint256 limit;
        /// @notice The assigned speed (UD60x18).
        uint256 speed;
        PledgeState state;
    }

    /// @notice Progress of a settlement session (see `settle`).
    struct SessionView {
        /// @notice Pledges processed so far (the next page starts at this pledge id).
        uint256 cursor;
        /// @notice g(hLow) over the processed pledges.
        uint256 gAtLow;
        /// @notice g(hHigh) over the processed pledges.
        uint256 gAtHigh;
        /// @notice Σ pᵢ(hLow) in raw tokens over the processed pledges.
        uint256 pot;
    }

    // ─────────────────────────────────────────────── events

    /// @notice A campaign was created.
    event CampaignCreated(
        uint256 indexed campaignId,
        address indexed creator,
        address indexed token,
        CampaignParams params
    );
    /// @notice `pledger` escrowed `limit` raw tokens in `campaignId` and was assigned `speed`.
    event Pledged(
        uint256 indexed campaignId,
        uint256 indexed pledgeId,
        address indexed pledger,
        uint256 limit,
        uint256 speed
    );
    /// @notice `pledger` raised its active pledge `pledgeId` in `campaignId` by escrowing `added` more raw
    /// tokens; the pledge keeps its id, speed and place — except under the limit-sqrt policy, whose speed
    /// is recomputed from `newLimit` (PledgeMath.limitSqrtSpeed; `getPledge` shows it).
    /// @param campaignId The pledge's campaign.
    /// @param pledgeId The raised pledge (the one `Pledged` created for this pledger).
    /// @param pledger The pledge's pledger (the caller of `pledge`).
    /// @param added The raw tokens escrowed by this call.
    /// @param newLimit The pledge's combined limit after the raise, in raw tokens.
    event PledgeRaised(
        uint256 indexed campaignId,
        uint256 indexed pledgeId,
        address indexed pledger,
        uint256 added,
        uint256 newLimit
    );
    /// @notice A pledge was withdrawn before the deadline and its `limit` refunded to `pledger`.
    event PledgeWithdrawn(
        uint256 indexed campaignId,
        uint256 indexed pledgeId,
        address indexed pledger,
        uint256 limit
    );
    /// @notice The creator cancelled the campaign; every active pledge can claim its full limit.
    event CampaignCancelled(uint256 indexed campaignId, address indexed creator);
    /// @notice A settlement page was processed in session `sessionId` = keccak256(campaignId, hLow, hHigh).
    event SettlementProgressed(
        uint256 indexed campaignId,
        bytes32 indexed sessionId,
        uint256 hLow,
        uint256 hHigh,
        uint256 cursor,
        uint256 pledgeCount
    );
    /// @notice The campaign settled at `h` with pot `pot` (raw tokens); `settler` finished it.
    event CampaignSettled(uint256 indexed campaignId, address indexed settler, uint256 h, uint256 pot);
    /// @notice `pledger` received `refund` raw tokens after paying `payment`.
    event RefundClaimed(
        uint256 indexed campaignId,
        uint256 indexed pledgeId,
        address indexed pledger,
        uint256 refund,
        uint256 payment
    );
    /// @notice `amount` raw tokens of the pot were paid: into the allocator's gap (`toGap`, `to` is the
    /// allocator) or to the recipient (`to`). A pot of 0 is claimed with `amount` 0 to the recipient.
    event PotClaimed(uint256 indexed campaignId, address indexed to, uint256 amount, bool toGap);
    /// @notice The pot's `amount` raw tokens, refunded by the allocator after its gap closed, were paid to
    /// the campaign's `recipient`.
    event PotReclaimed(uint256 indexed campaignId, address indexed recipient, uint256 amount);
    /// @notice The allocator gap rejected the pot, which was paid to the recipient instead.
    event GapContributionFailed(uint256 indexed campaignId, address indexed allocator, bytes32 indexed gapId);

    // ─────────────────────────────────────────────── errors

    /// @notice The deadline `deadline` is not after the current time `nowTs`.
    error DeadlineNotInFuture(uint256 deadline, uint256 nowTs);
    /// @notice s₀ is 0 or above `max`.
    error InvalidSpeed(uint256 speed, uint256 max);
    /// @notice r is 0 or above 1e18 under the geometric policy.
    error InvalidDecay(uint256 decay);
    /// @notice The parameter `value` of the harmonic or limit-sqrt `policy` (`CampaignParams.decay`: c or
    /// L₀) is 0 or above `max` (1e24 for c, 1e38 — 1e20 tokens — for L₀).
    error InvalidPolicyParameter(Policy policy, uint256 value, uint256 max);
    /// @notice The allocator has no code, or `gapId` is zero while `allocator` is set (or the reverse).
    error InvalidAllocator(address allocator, bytes32 gapId);
    /// @notice Gap `gapId` of `allocator` does not accept contributions: `status` 0 = not registered,
    /// 2 = closed (the allocator's GapStatus). A campaign is tied to an active gap at creation.
    error GapNotActive(address allocator, bytes32 gapId, uint256 status);
    /// @notice The allocator moves `allocatorToken`, not the campaign's `token`.
    error AllocatorTokenMismatch(address allocator, address allocatorToken, address token);
    /// @notice No campaign has id `campaignId`.
    error UnknownCampaign(uint256 campaignId);
    /// @notice Campaign `campaignId` has no pledge `pledgeId`.
    error UnknownPledge(uint256 campaignId, uint256 pledgeId);
    /// @notice The campaign is in `state`, which does not allow this action.
    error InvalidCampaignState(uint256 campaignId, CampaignState state);
    /// @notice The deadline `deadline` has passed (pledging, withdrawing and cancelling need now < deadline).
    error DeadlinePassed(uint256 campaignId, uint256 deadline);
    /// @notice The deadline `deadline` has not been reached yet (settlement needs now ≥ deadline).
    error DeadlineNotReached(uint256 campaignId, uint256 deadline);
    /// @notice The limit is 0 or below the campaign's minimum `minLimit`.
    error LimitTooSmall(uint256 limit, uint256 minLimit);
    /// @notice The limit would take the campaign's escrow above 1e20 tokens (1e38 in 18-decimal units);
    /// `available` is the largest raw limit accepted now.
    error LimitTooLarge(uint256 limit, uint256 available);
    /// @notice `caller` is not the campaign's creator.
    error NotCreator(uint256 campaignId, address caller);
    /// @notice `caller` is not the pledge's pledger.
    error NotPledger(uint256 campaignId, uint256 pledgeId, address caller);
    /// @notice The pledge is not active (withdrawn or claimed): state `state`.
    error PledgeNotActive(uint256 campaignId, uint256 pledgeId, PledgeState state);
    /// @notice hLow > hHigh, or hHigh > 1e45 (the bound that keeps h·s below 2²⁵⁶).
    error InvalidBracket(uint256 hLow, uint256 hHigh);
    /// @notice hHigh − hLow exceeds `maxWidth` = ⌊hLow/1e12⌋ + 4.
    error BracketTooWide(uint256 hLow, uint256 hHigh, uint256 maxWidth);
    /// @notice hLow = 0 was submitted but a positive root exists; h = 0 is accepted for such a campaign
    /// only from `fallbackAt` (deadline + `SETTLEMENT_GRACE_PERIOD`).
    error TrivialRootRejected(uint256 campaignId, uint256 fallbackAt);
    /// @notice g(h) = `g` < h: the submitted lower bound lies above the root.
    error HTooHigh(uint256 h, uint256 g);
    /// @notice g(h) = `g` > h: the submitted upper bound lies below the root.
    error HTooLow(uint256 h, uint256 g);
    /// @notice The pledge has nothing to claim (withdrawn or already claimed).
    error NothingToClaim(uint256 campaignId, uint256 pledgeId);
    /// @notice The pot was already paid, or the campaign is not settled.
    error PotNotClaimable(uint256 campaignId);
    /// @notice Campaign `campaignId` has no pot in an allocator gap to reclaim (none went in, or it was
    /// already reclaimed).
    error PotNotReclaimable(uint256 campaignId);
    /// @notice `checkData` is neither empty nor abi.encode(uint256 offset, uint256 limit, uint256 maxPledges)
    /// (`length` bytes were given).
    error InvalidCheckData(uint256 length);
    /// @notice `performData` is not abi.encode(uint256 campaignId, uint256 hLow, uint256 hHigh,
    /// uint256 maxPledges, uint256 cursor) (`length` bytes were given).
    error InvalidPerformData(uint256 length);
    /// @notice Stale `performData`: the session [hLow, hHigh] of `campaignId` is at pledge `cursor`, not at
    /// `expectedCursor` — someone else already processed that page. Call `checkUpkeep` again.
    error SessionAdvanced(uint256 campaignId, uint256 expectedCursor, uint256 cursor);

    // ─────────────────────────────────────────────── campaigns

    /// @notice Creates a campaign; `msg.sender` becomes its creator (the only one who may cancel it).
    /// @dev Reverts with `ZeroAddress` (token or recipient), `InvalidToken`, `UnsupportedDecimals`,
    /// `DeadlineNotInFuture`, `LimitTooLarge` (minimum limit above the campaign cap), `InvalidSpeed`
    /// (s₀ = 0 or above 1e27, which keeps h·s below 2²⁵⁶), `InvalidDecay` (geometric r),
    /// `InvalidPolicyParameter` (harmonic c, limit-sqrt L₀), `InvalidAllocator` (also
    /// when the allocator does not answer `token()` or `gapStatus(gapId)`), `AllocatorTokenMismatch` or
    /// `GapNotActive` (the gap is not registered, or closed). The token's decimals are read once here.
    /// @dev Warning: the creator chooses the allocator; pledgers should check it. Whatever it does,
    /// `claimPot` cannot be blocked: when `contributeToGap` reverts (gap closed, allocator paused, …) or
    /// pulls less than the pot, the rest is paid to the recipient.
    /// @param params The token, recipient, deadline, mode, saturation policy (s₀ and its parameter), minimum limit and
    /// optional allocator gap; see `CampaignParams` for each field's units and bounds.
    /// @return campaignId The new campaign's id (sequential from 1).
    function createCampaign(CampaignParams calldata params) external returns (uint256 campaignId);

    /// @notice Escrows `limit` raw tokens from `msg.sender` into the campaign. One pledge per address per
    /// campaign: the first call makes a new pledge with the speed given by the policy (`Pledged`); a call
    /// from an address that has an active pledge in the campaign raises that pledge's limit by `limit`
    /// (`PledgeRaised`), keeping its id, speed and place (no speed slot is taken, `pledgeCount` does not
    /// change; under the limit-sqrt policy the speed is recomputed from the combined limit and Σ L·s
    /// adjusted exactly). Allowed while block.timestamp < deadline.
    /// @dev Needs an allowance. Reverts with `UnknownCampaign`, `InvalidCampaignState` (cancelled),
    /// `DeadlinePassed`, `LimitTooSmall` (0, or below `minLimit` for a new pledge; a raise needs only
    /// limit > 0), `LimitTooLarge` or `TransferAmountMismatch`. `previewPledge` previews a new pledge; the
    /// SDK previews a raise off-chain with the exact mirror.
    /// @dev Warning: every new pledge grows Σ√p and so everyone's payment, up to each limit; a
    /// pledger commits to pay anything up to `limit`. Dust pledges (the minimum limit is the creator's
    /// defence) lengthen settlement, whose cost the settler bears; it stays paginated.
    /// @param campaignId The campaign to pledge to.
    /// @param limit The most the pledger may pay (for a raise: the amount added to it), in raw token units,
    /// all escrowed now: > 0, ≥ the campaign's `minLimit` for a new pledge, and within what keeps the
    /// campaign's escrow ≤ 1e20 tokens.
    /// @return pledgeId The pledge's id within the campaign (sequential from 0; the existing id for a raise).
    /// @return speed The pledge's speed sᵢ (UD60x18, 1/√token or 1/token; always > 0; unchanged by a raise
    /// except under the limit-sqrt policy).
    function pledge(uint256 campaignId, uint256 limit) external returns (uint256 pledgeId, uint256 speed);

    /// @notice Withdraws a pledge before the deadline and refunds its full limit (raises included) to its
    /// pledger. The pledger's next `pledge` in the campaign makes a new pledge (new id, the policy's next
    /// speed).
    /// @dev Only the pledger. Reverts with `UnknownCampaign`, `UnknownPledge`, `InvalidCampaignState`,
    /// `DeadlinePassed`, `NotPledger` or `PledgeNotActive`. The pledge keeps its place in the
    /// geometric or harmonic count unless it is the latest (its slot is then released).
    /// @param campaignId The pledge's campaign.
    /// @param pledgeId The pledge to withdraw (an id within the campaign, from 0).
    function withdrawPledge(uint256 campaignId, uint256 pledgeId) external;

    /// @notice Cancels a campaign before its deadline; each active pledge can then `claim` its full
    /// limit. Only the creator.
    /// @dev Reverts with `UnknownCampaign`, `NotCreator`, `InvalidCampaignState` or `DeadlinePassed`.
    /// @param campaignId The campaign to cancel.
    function cancelCampaign(uint256 campaignId) external;

    // ─────────────────────────────────────────────── settlement

    /// @notice Processes up to `maxPledges` pledges (0 = as many as one page allows, `MAX_PAGE_PLEDGES`)
    /// of the settlement session for the bracket [hLow, hHigh] and, when the last pledge is processed,
    /// verifies the bracket and settles the campaign at h = hLow. Permissionless; allowed once
    /// block.timestamp ≥ deadline.
    /// @dev Sessions are keyed by keccak256(abi.encode(campaignId, hLow, hHigh)) and independent: a
    /// bogus bracket submitted by someone else never disturbs an honest session's progress.
    /// The final page of a wrong bracket reverts with `HTooHigh(hLow, g(hLow))` or
    /// `HTooLow(hHigh, g(hHigh))`; the session stays at its previous page. hLow = 0 when a positive
    /// root exists reverts with `TrivialRootRejected` (unless the grace period has passed). When no
    /// positive root exists (no active pledge, or a linear campaign with (2/π)·ΣLᵢsᵢ ≤ 1), a bracket
    /// with hLow = 0 settles immediately with pot 0. Other reverts: `UnknownCampaign`,
    /// `InvalidCampaignState` (cancelled or already settled), `DeadlineNotReached`, `InvalidBracket`,
    /// `BracketTooWide`.
    /// @dev Warning: a settler can be front-run by another valid bracket that finishes first; either
    /// way the campaign settles at a proven root of the same g, within the width rule.
    /// @param campaignId The campaign to settle.
    /// @param hLow The bracket's lower bound (UD60x18, √token or token): the h the campaign settles at.
    /// 0 is the trivial root (no pass over the pledges).
    /// @param hHigh The bracket's upper bound (UD60x18), hLow ≤ hHigh ≤ 1e45 and
    /// hHigh − hLow ≤ ⌊hLow / 1e12⌋ + 4; hHigh = hLow proves an exact fixed point and costs less per pledge.
    /// @param maxPledges The most pledges (withdrawn ones included) to process in this call; 0 or anything
    /// above `MAX_PAGE_PLEDGES` means `MAX_PAGE_PLEDGES`.
    /// @return settled Whether this call settled the campaign (false: call again to process the next page).
    /// @return cursor Pledges processed in this session so far (the pledge count once settled).
    function settle(
        uint256 campaignId,
        uint256 hLow,
        uint256 hHigh,
        uint256 maxPledges
    ) external returns (bool settled, uint256 cursor);

    // ─────────────────────────────────────────────── automation (Chainlink Automation shape)

    /// @notice Whether a campaign needs settling, with everything `performUpkeep` needs to settle one
    /// page of it. Scans campaign ids `offset + 1` … `offset + limit` (limit 0 = to the last one, as in
    /// every paged view: libraries/Paging.sol) and returns the first open campaign past its deadline whose
    /// bracket it finds within its gas budget.
    /// @dev The bracket is `upkeepBracket`'s, computed on-chain from the frozen pledges (after the
    /// deadline they cannot change): deterministic, so successive calls return the same bracket and the
    /// pages of one session follow each other. Gas: each campaign's search runs under its own cap of
    /// `UPKEEP_CAMPAIGN_GAS` (3.5M) and the scan stops once `UPKEEP_GAS_BUDGET` (7M) is spent, so a call
    /// costs at most the budget plus the scan's own reads (≈ 2,600 gas per campaign scanned) whatever
    /// the campaigns contain; a campaign whose search needs more (hundreds of pledges, or dust tuned
    /// near the linear threshold, where Newton converges slowly) is skipped, not stalled on, and the
    /// next one is checked. Skipped campaigns are settled with `settle` and a bracket computed
    /// off-chain (the SDK's `findBracket`, as the keeper process does); `checkData` windows
    /// (offset, limit) let several upkeeps share a long list.
    /// @param checkData Empty (scan every campaign, pages of `MAX_PAGE_PLEDGES`) or
    /// abi.encode(uint256 offset, uint256 limit, uint256 maxPledges) (maxPledges 0 = `MAX_PAGE_PLEDGES`).
    /// Reverts with `InvalidCheckData` otherwise.
    /// @return upkeepNeeded Whether a campaign was found.
    /// @return performData abi.encode(campaignId, hLow, hHigh, maxPledges, cursor), where `cursor` is the
    /// session's progress now (0 for a new session); empty when nothing is needed.
    function checkUpkeep(
        bytes calldata checkData
    ) external view returns (bool upkeepNeeded, bytes memory performData);

    /// @notice The bracket `checkUpkeep` proposes for a campaign: found = false unless it is open and past
    /// its deadline; [0, 0] when no positive root exists; otherwise `PledgeMath.bracket` on the frozen
    /// pledges — Newton (`solve`), then, for the contract's own g, a lower end with g(hLow) ≥ hLow (or
    /// 0) and an upper end within the width rule with g(hHigh) ≤ hHigh. One exists for every campaign.
    /// @dev Costs a few passes over the pledges per Newton step (≈ 2.9M gas for 100 pledges); meant for
    /// eth_call. Reverts with `UnknownCampaign`.
    /// @param campaignId The campaign.
    /// @return found Whether the campaign is due (open, past its deadline).
    /// @return hLow The bracket's lower end (UD60x18).
    /// @return hHigh The bracket's upper end (UD60x18).
    function upkeepBracket(
        uint256 campaignId
    ) external view returns (bool found, uint256 hLow, uint256 hHigh);

    /// @notice Settles one page of the campaign in `performData` (from `checkUpkeep`), exactly as
    /// `settle(campaignId, hLow, hHigh, maxPledges)` would: same checks, same events
    /// (`SettlementProgressed`, then `CampaignSettled` on the last page). Permissionless.
    /// @dev Stale `performData` reverts and changes nothing: `InvalidCampaignState` when the campaign was
    /// settled (by anyone, with any bracket) or cancelled, `SessionAdvanced` when the session of this
    /// bracket is no longer at `cursor` (its page was already processed). Each page is therefore
    /// processed once and nothing is counted twice. Also reverts with `InvalidPerformData` and every
    /// error of `settle`. Gas is one settlement page (≤ `MAX_PAGE_PLEDGES` pledges, under 16,777,216).
    /// @param performData abi.encode(campaignId, hLow, hHigh, maxPledges, cursor) as `checkUpkeep` returns it.
    function performUpkeep(bytes calldata performData) external;

    // ─────────────────────────────────────────────── claims

    /// @notice Pays a pledge's refund to its pledger: Lᵢ − pᵢ(h) after settlement, Lᵢ after a cancel.
    /// Anyone may call; the tokens always go to the pledger. Once per pledge.
    /// @dev Reverts with `UnknownCampaign`, `UnknownPledge`, `InvalidCampaignState` (open) or
    /// `NothingToClaim` (withdrawn or already claimed). A zero refund still marks the pledge claimed.
    /// @param campaignId The pledge's campaign (settled or cancelled).
    /// @param pledgeId The pledge to refund.
    /// @return refund The raw tokens paid to the pledger: Lᵢ − ⌊Lᵢ·Aᵢ(h)⌋ (the payment rounds down), the
    /// full limit after a cancel or a settlement at h = 0; may be 0.
    function claim(uint256 campaignId, uint256 pledgeId) external returns (uint256 refund);

    /// @notice Pays the settled pot once: into the allocator gap when one is set (approve, then
    /// `contributeToGap`), otherwise — or when the gap rejects it — to the recipient. Anyone may call.
    /// A pot larger than 2⁹⁶ − 1 raw units (more than the allocator's per-round bound) goes to the
    /// recipient. If the gap closes before the pot's allocator round is finalised, `reclaimPot` takes it
    /// back to the recipient.
    /// @dev Reverts with `UnknownCampaign` or `PotNotClaimable` (not settled, or already paid).
    /// @param campaignId The settled campaign whose pot is paid.
    /// @return amount The whole pot in raw tokens (Σ⌊Lᵢ·Aᵢ(h)⌋), whether it went to the gap, the recipient
    /// or both; 0 for a campaign settled at h = 0.
    function claimPot(uint256 campaignId) external returns (uint256 amount);

    /// @notice Takes a pot back from a closed allocator gap and pays it to the campaign's recipient.
    /// Anyone may call; once per campaign.
    /// @dev Where a pot ends. `claimPot` pays it into the gap as a contribution in the allocator's
    /// contribution round R (recorded as `gapRound`, the amount as `potInGap`). If the curator closes
    /// the gap before R is finalised, the allocator makes R's contributions refundable to their
    /// contributor — this contract — and stops matching them: `reclaimPot` claims that refund
    /// (`refundContribution(gapId, R)`) and pays the pot to the campaign's recipient. If R was finalised
    /// before the gap closed, the pot belongs to the gap (direct funds of a settled round, paid to the
    /// gap's recipient by `withdrawGapFunds`) and the allocator's `NothingToRefund` bubbles up; while the
    /// gap is open its `GapNotClosed` does. A gap closed before `claimPot` rejects the pot, which then
    /// goes to the recipient at once. So every pot ends at the gap's recipient (round finalised while the
    /// gap was active) or at the campaign's recipient. Several campaigns' pots in one gap and round are
    /// one contribution for the allocator: the first `reclaimPot` takes the whole refund and each
    /// campaign is paid exactly its own pot (never more than was refunded). Reverts with
    /// `UnknownCampaign` or `PotNotReclaimable` (no pot in a gap, or already reclaimed).
    /// @param campaignId The campaign whose pot went into a gap that has since closed.
    /// @return amount The raw tokens paid to the recipient (the pot that went into the gap).
    function reclaimPot(uint256 campaignId) external returns (uint256 amount);

    // ─────────────────────────────────────────────── views

    /// @notice The most pledges one `settle` call processes (keeps every page under 16,777,216 gas).
    /// @return The page size cap, in pledges (2,000).
    function MAX_PAGE_PLEDGES() external view returns (uint256);

    /// @notice After deadline + this delay, an unsettled campaign may be settled at h = 0 (full refunds).
    /// @return The delay in seconds (30 days).
    function SETTLEMENT_GRACE_PERIOD() external view returns (uint256);

    /// @notice The most gas `checkUpkeep` spends on bracket searches in one call (7,000,000), so a call
    /// fits a hosted automation network's check gas limit whatever the campaigns contain.
    /// @return The budget in gas.
    function UPKEEP_GAS_BUDGET() external view returns (uint256);

    /// @notice The most gas one campaign's bracket search may use inside `checkUpkeep` (3,500,000); a
    /// campaign that needs more is skipped there (settle it with an off-chain bracket).
    /// @return The cap in gas.
    function UPKEEP_CAMPAIGN_GAS() external view returns (uint256);

    /// @notice Number of campaigns created; ids run from 1 to campaignCount.
    /// @return The number of campaigns (0 before the first; cancelled and settled ones included).
    function campaignCount() external view returns (uint256);

    /// @notice Everything about a campaign. Reverts with `UnknownCampaign`.
    /// @param campaignId The campaign (1 … campaignCount).
    /// @return The campaign's parameters, state, escrow and, once settled, h and pot (see `CampaignView`).
    function getCampaign(uint256 campaignId) external view returns (CampaignView memory);

    /// @notice One pledge. Reverts with `UnknownCampaign` or `UnknownPledge`.
    /// @param campaignId The pledge's campaign.
    /// @param pledgeId The pledge (0 … pledgeCount − 1).
    /// @return The pledger, its limit (raw tokens, kept after a withdrawal), speed (UD60x18) and state.
    function getPledge(uint256 campaignId, uint256 pledgeId) external view returns (PledgeView memory);

    /// @notice The pledge of `pledger` in the campaign (one per address): while the campaign is open, its
    /// active pledge, the one a `pledge` from `pledger` raises.
    /// @dev An unknown campaign has no pledges (false, 0). After settlement or a cancel the entry stays
    /// until the pledge is withdrawn, so it also names a pledge whose refund was claimed (see `getPledge`'s
    /// state); pledges cannot be made or raised then anyway.
    /// @param campaignId The campaign.
    /// @param pledger The address.
    /// @return exists Whether `pledger` has a pledge it has not withdrawn in the campaign (false when it
    /// never pledged there, or withdrew).
    /// @return pledgeId That pledge's id (0 when `exists` is false).
    function pledgeOf(
        uint256 campaignId,
        address pledger
    ) external view returns (bool exists, uint256 pledgeId);

    /// @notice Pledges ever made in the campaign (ids 0 … count − 1). Reverts with `UnknownCampaign`.
    /// @param campaignId The campaign.
    /// @return The number of pledges ever made, withdrawn ones included (also the next pledge's id).
    function pledgeCount(uint256 campaignId) external view returns (uint256);

    /// @notice Pledges `offset` … `offset + limit − 1` as raw (limit, speed, state, pledger) columns, for
    /// off-chain solvers. Clamped to the pledge count. Reverts with `UnknownCampaign`.
    /// @dev Paged like every paged view (libraries/Paging.sol): `limit` 0 reads to the last pledge, whose
    /// cost grows with the count (for eth_call).
    /// @param campaignId The campaign.
    /// @param offset The first pledge id returned (an offset at or past the count returns empty columns).
    /// @param limit The most pledges returned (0 = every pledge from `offset` on).
    /// @return limits Each pledge's limit in raw token units (withdrawn pledges keep theirs; see `states`).
    /// @return speeds Each pledge's speed sᵢ (UD60x18).
    /// @return states Each pledge's state (only `Active` pledges count in g and the pot).
    /// @return pledgers Each pledge's pledger.
    function getPledges(
        uint256 campaignId,
        uint256 offset,
        uint256 limit
    )
        external
        view
        returns (
            uint256[] memory limits,
            uint256[] memory speeds,
            PledgeState[] memory states,
            address[] memory pledgers
        );

    /// @notice The progress of the settlement session for [hLow, hHigh].
    /// @param campaignId The campaign.
    /// @param hLow The session's lower bound (UD60x18), as submitted to `settle`.
    /// @param hHigh The session's upper bound (UD60x18), as submitted to `settle`.
    /// @return The partial sums and cursor; all zeros for a session never started or already finished
    /// (a finished session is deleted when the campaign settles).
    function getSession(
        uint256 campaignId,
        uint256 hLow,
        uint256 hHigh
    ) external view returns (SessionView memory);

    /// @notice Open campaigns whose deadline has passed (ready to settle) among ids
    /// `offset + 1` … `offset + limit`, for keepers.
    /// @dev Paged like every paged view (libraries/Paging.sol): `limit` 0 examines every id after
    /// `offset`, whose cost grows with the campaign count (for eth_call).
    /// @param offset How many campaign ids to skip (0 starts at campaign 1).
    /// @param limit How many campaign ids to examine (clamped to `campaignCount`; 0 = to the last one).
    /// @return ids The due campaigns' ids in increasing order (at most `limit` unless 0; may be empty).
    function campaignsDue(uint256 offset, uint256 limit) external view returns (uint256[] memory ids);

    /// @notice The root h of the campaign's fixed-point g over its active pledges, by Newton's method
    /// from h₀ = Σ√Lᵢ (quadratic) or ΣLᵢ (linear), at most 64 steps. Meant for
    /// eth_call (cost grows with the pledge count). 0 when no positive root exists.
    /// @param campaignId The campaign (its pledges as they are now, withdrawn ones left out).
    /// @return h The approximate root (UD60x18, √token or token); 0 when no positive root exists. Newton
    /// approaches from above and stops at the first h with g(h) ≥ h (then a valid `hLow`), when a step
    /// rounds to 0, or after 64 steps; check a bracket with `evaluate` before settling.
    function solve(uint256 campaignId) external view returns (uint256 h);

    /// @notice pᵢ(h) = ⌊Lᵢ·(2/π)·atan(h·sᵢ)⌋ in raw tokens, exactly as settlement computes it (0 for
    /// withdrawn pledges). Reverts with `UnknownCampaign`, `UnknownPledge` or `InvalidBracket(h, h)`.
    /// @param campaignId The pledge's campaign.
    /// @param pledgeId The pledge.
    /// @param h The outcome to evaluate at (UD60x18, √token or token), ≤ 1e45.
    /// @return The payment in raw token units, rounded down (≤ the limit).
    function paymentAt(uint256 campaignId, uint256 pledgeId, uint256 h) external view returns (uint256);

    /// @notice g(h) of the campaign's active pledges (quadratic: Σ√pᵢ; linear: Σpᵢ, UD60x18) and
    /// the pot Σpᵢ(h) in raw tokens — the values settlement compares. Reverts with `UnknownCampaign` or
    /// `InvalidBracket(h, h)`.
    /// @param campaignId The campaign.
    /// @param h The point to evaluate at (UD60x18, √token or token), ≤ 1e45.
    /// @return g g(h) (UD60x18: √token in quadratic mode, token in linear mode), each term rounded down;
    /// h is a root when g = h.
    /// @return pot Σ⌊Lᵢ·Aᵢ(h)⌋ in raw token units: what the pot would be if the campaign settled at h.
    function evaluate(uint256 campaignId, uint256 h) external view returns (uint256 g, uint256 pot);

    /// @notice What pledging `limit` now would do: the new solution h, that pledge's payment at it,
    /// the pot increase over the current solution (raw tokens) and its marginal leverage (UD60x18).
    /// Meant for eth_call. Reverts with `UnknownCampaign`, or `LimitTooSmall` / `LimitTooLarge` for a
    /// limit `pledge` would reject (the bounds keep L·scale and L·s from overflowing); does not check the
    /// deadline or the campaign's state.
    /// @param campaignId The campaign.
    /// @param limit The hypothetical limit in raw token units, with the speed a new pledge of it would get
    /// (`nextSpeed`; under the limit-sqrt policy, the speed of this limit).
    /// @return h The solution with the new pledge (UD60x18, √token or token), as `solve` computes it.
    /// @return payment The new pledge's payment at that h, raw tokens, rounded down.
    /// @return potIncrease The pot at the new h minus the pot at the current solution, raw tokens
    /// (0 if rounding would make it negative).
    /// @return leverage The new pledge's marginal leverage at the new h (UD60x18, as `marginalLeverage`).
    function previewPledge(
        uint256 campaignId,
        uint256 limit
    ) external view returns (uint256 h, uint256 payment, uint256 potIncrease, uint256 leverage);

    /// @notice d(Σⱼpⱼ)/d(pᵢ) at the current solution (the settled h once settled), UD60x18:
    /// quadratic 1 + P'₋ᵢ / (2√pᵢ·(1 − A₋ᵢ)), linear 1 / (1 − P'₋ᵢ), with aⱼ = pⱼ'(h)/(2√pⱼ),
    /// A₋ᵢ = Σ_{j≠i} aⱼ and P'₋ᵢ = Σ_{j≠i} pⱼ'(h). type(uint256).max when pᵢ = 0 (quadratic) or the
    /// denominator vanishes. Meant for eth_call.
    /// @param campaignId The campaign.
    /// @param pledgeId The pledge (a withdrawn pledge counts as limit 0: type(uint256).max in quadratic mode).
    /// @return The leverage (UD60x18, ≥ 1e18 = 1), rounded down; type(uint256).max stands for unbounded.
    function marginalLeverage(uint256 campaignId, uint256 pledgeId) external view returns (uint256);
}

/// @title IPledgeGapSink
/// @notice The part of a QuadraticFundingAllocator CoordinatedPledges calls. `contributeToGap` is
/// declared without its return value so a pot payment never depends on decoding the allocator's
/// answer: any failure is caught and the pot goes to the recipient.
interface IPledgeGapSink {
    /// @notice The ERC-20 the allocator moves.
    /// @return The token's address (must equal the campaign's token).
    function token() external view returns (address);

    /// @notice The gap's status, as the allocator's `GapStatus`: 0 not registered, 1 active, 2 closed.
    /// @param gapId The allocator gap.
    /// @return The status (a campaign can only be created for an active gap).
    function gapStatus(bytes32 gapId) external view returns (uint8);

    /// @notice Pulls `amount` tokens from the caller into gap `gapId`'s escrow. The allocator returns the
    /// round the contribution counts in; CoordinatedPledges reads it from the first 32 bytes returned
    /// (and records 0 when there are none).
    /// @param gapId The allocator gap receiving the pot.
    /// @param amount The pot in raw token units (the caller approves exactly this much first).
    function contributeToGap(bytes32 gapId, uint256 amount) external;

    /// @notice Refunds the caller's contribution to closed gap `gapId` in `round` (its whole round total).
    /// @param gapId The closed gap.
    /// @param round A round not finalised when the gap closed.
    function refundContribution(bytes32 gapId, uint256 round) external;
}
