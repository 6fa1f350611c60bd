// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ICoordinatedPledges, IPledgeGapSink} from "./interfaces/ICoordinatedPledges.sol";
import {PackedTerms, PackedTermsLib} from "./libraries/PackedTerms.sol";
import {Paging} from "./libraries/Paging.sol";
import {PledgeMath} from "./libraries/PledgeMath.sol";
import {Campaign, MAX_PLEDGES, PledgeSettlement, Session} from "./libraries/PledgeSettlement.sol";
import {TokenIntake} from "./libraries/TokenIntake.sol";

/// @title CoordinatedPledges
/// @notice Conditional pledges settled at the fixed point h = Σ√pᵢ(h) (or h = Σpᵢ(h)); see
/// ICoordinatedPledges for the model, units and rounding.
/// @dev One contract for every campaign and token. Storage per pledge: one slot with (limit, speed,
/// withdrawn flag) packed for the settlement loop (libraries/PackedTerms.sol), one with (pledger, state).
/// Σ Lᵢsᵢ is maintained exactly on pledge and withdraw, so whether a positive root exists is known without
/// a pass. This contract is the core: entry points, checks, events and token moves; the settlement engine
/// (passes, sessions, the upkeep's bracket search) is libraries/PledgeSettlement.sol, token onboarding and
/// exact pulls libraries/TokenIntake.sol, paging libraries/Paging.sol (all internal, inlined).
contract CoordinatedPledges is ICoordinatedPledges, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using PledgeSettlement for Campaign;

    // ─────────────────────────────────────────────── constants

    /// @inheritdoc ICoordinatedPledges
    /// @dev Measured ≈ 7,000 gas per pledge with a two-point bracket (one cold SLOAD, two atan, two
    /// sqrt): a page of 2,000 stays near 13.9M gas (`npm run bench`), leaving ~2.8M of the 16,777,216
    /// cap for the fixed cost of the call and for atan's branch-dependent cost.
    uint256 public constant MAX_PAGE_PLEDGES = PledgeSettlement.MAX_PAGE_PLEDGES;

    /// @inheritdoc ICoordinatedPledges
    uint256 public constant SETTLEMENT_GRACE_PERIOD = PledgeSettlement.SETTLEMENT_GRACE_PERIOD;

    /// @inheritdoc ICoordinatedPledges
    uint256 public constant UPKEEP_GAS_BUDGET = 7_000_000;

    /// @inheritdoc ICoordinatedPledges
    uint256 public constant UPKEEP_CAMPAIGN_GAS = 3_500_000;

    // ─────────────────────────────────────────────── storage

    struct PledgeMeta {
        address pledger;
        PledgeState state;
    }

    uint256 private _campaignCount;
    mapping(uint256 campaignId => Campaign) private _campaigns;
    /// @dev Each pledge's (limit, speed, withdrawn) word (libraries/PackedTerms.sol), by pledge id.
    mapping(uint256 campaignId => PackedTerms[MAX_PLEDGES]) private _terms;
    mapping(uint256 campaignId => PledgeMeta[MAX_PLEDGES]) private _meta;
    /// @dev 1 + the id of the pledger's active pledge in the campaign (0: none). One pledge per address
    /// per campaign: `pledge` raises it, `withdrawPledge` clears the entry.
    mapping(uint256 campaignId => mapping(address pledger => uint256)) private _pledgeIdPlusOne;
    /// @dev keccak256(abi.encode(campaignId, hLow, hHigh)) ⇒ partial sums of that settlement session.
    mapping(bytes32 sessionId => Session) private _sessions;
    /// @dev keccak256(abi.encode(allocator, gapId, round)) ⇒ 1 + the raw tokens the allocator refunded for
    /// this contract's contribution to that gap and round and not yet paid on (0: not refunded yet).
    /// The allocator refunds a contributor's round total at once, which may hold several campaigns' pots.
    mapping(bytes32 refundKey => uint256) private _gapRefundsPlusOne;

    // ─────────────────────────────────────────────── campaigns

    /// @inheritdoc ICoordinatedPledges
    function createCampaign(CampaignParams calldata params) external returns (uint256 campaignId) {
        if (params.token == address(0) || params.recipient == address(0)) revert ZeroAddress();
        uint8 decimals = TokenIntake.decimalsOf(params.token);
        if (params.deadline <= block.timestamp) revert DeadlineNotInFuture(params.deadline, block.timestamp);
        if (params.initialSpeed == 0 || params.initialSpeed > PledgeMath.MAX_SPEED) {
            revert InvalidSpeed(params.initialSpeed, PledgeMath.MAX_SPEED);
        }
        // The policy's parameter (see `CampaignParams.decay`): r ≤ 1, c ≤ MAX_HARMONIC_RATE, L₀ ≤ MAX_ESCROW.
        Policy policy = params.policy;
        uint256 decay = PledgeMath.UNIT;
        if (policy != Policy.Constant) {
            decay = params.decay;
            uint256 max =
                policy == Policy.Geometric
                    ? PledgeMath.UNIT
                    : policy == Policy.Harmonic
                        ? PledgeMath.MAX_HARMONIC_RATE
                        : PledgeMath.MAX_ESCROW;
            if (decay == 0 || decay > max) {
                if (policy == Policy.Geometric) revert InvalidDecay(decay);
                revert InvalidPolicyParameter(policy, decay, max);
            }
        }
        uint256 scale = 10 ** (18 - decimals);
        uint256 maxRawLimit = PledgeMath.MAX_ESCROW / scale;
        if (params.minLimit > maxRawLimit) revert LimitTooLarge(params.minLimit, maxRawLimit);
        _checkAllocator(params.allocator, params.gapId, params.token);

        unchecked {
            // Cannot overflow: one increment per transaction.
            campaignId = ++_campaignCount;
        }
        Campaign storage c = _campaigns[campaignId];
        c.token = params.token;
        c.deadline = params.deadline;
        c.mode = params.mode;
        c.policy = policy;
        c.state = CampaignState.Open;
        c.scaleExponent = 18 - decimals;
        c.nextSpeed = uint96(params.initialSpeed); // ≤ MAX_SPEED < 2⁹⁶
        c.minLimit = uint128(params.minLimit); // ≤ MAX_ESCROW < 2¹²⁸
        c.decay = uint128(decay); // ≤ MAX_ESCROW < 2¹²⁸
        c.initialSpeed = uint128(params.initialSpeed); // ≤ MAX_SPEED < 2¹²⁸
        c.sumLimitSpeedPlusOne = 1;
        c.recipient = params.recipient;
        c.creator = msg.sender;
        c.allocator = params.allocator;
        c.gapId = params.gapId;
        emit CampaignCreated(campaignId, msg.sender, params.token, params);
    }

    // ─────────────────────────────────────────────── user actions

    /// @inheritdoc ICoordinatedPledges
    function pledge(
        uint256 campaignId,
        uint256 limit
    ) external nonReentrant returns (uint256 pledgeId, uint256 speed) {
        Campaign storage c = _campaign(campaignId);
        _requireOpenBeforeDeadline(c, campaignId);
        mapping(address pledger => uint256) storage idsPlusOne = _pledgeIdPlusOne[campaignId];
        uint256 idPlusOne = idsPlusOne[msg.sender];
        // A raise only needs limit > 0: the combined limit already meets the minimum.
        if (limit == 0 || (idPlusOne == 0 && limit < c.minLimit)) revert LimitTooSmall(limit, c.minLimit);
        uint256 scale = 10 ** c.scaleExponent;
        {
            uint256 escrow = c.escrow;
            // escrow·scale ≤ MAX_ESCROW by construction, so the subtraction cannot underflow.
            uint256 available = (PledgeMath.MAX_ESCROW - escrow * scale) / scale;
            if (limit > available) revert LimitTooLarge(limit, available);
            c.escrow = uint128(escrow + limit); // ≤ MAX_ESCROW < 2¹²⁸ (checked above)
        }
        PackedTerms terms;
        Policy policy = c.policy;
        // The raw limit whose L·s this call adds to Σ L·s: the new tokens, or (a limit-sqrt raise) the
        // combined limit at its recomputed speed, the old L·s being taken out first.
        uint256 counted = limit;
        if (idPlusOne == 0) {
            speed = c.nextSpeed; // > 0: s₀ > 0, and the slot policies' speeds are ≥ 1
            pledgeId = c.pledgeCount;
            // Lifetime count (ids index fixed 2³² arrays): one per new pledge and address, ≥ 2³² · ~100,000
            // gas to fill; no payout reads it past the pledges made, so a full count only stops new pledges.
            c.pledgeCount = SafeCast.toUint32(pledgeId + 1);
            if (policy != Policy.Constant) speed = _newPledgeSpeed(c, policy, speed, limit * scale);
            terms = PackedTermsLib.pack(0, speed);
            _meta[campaignId][pledgeId] = PledgeMeta({pledger: msg.sender, state: PledgeState.Active});
            idsPlusOne[msg.sender] = pledgeId + 1;
            emit Pledged(campaignId, pledgeId, msg.sender, limit, speed);
        } else {
            // A raise of the sender's active pledge: same id and place; no speed slot taken.
            pledgeId = idPlusOne - 1;
            terms = _terms[campaignId][pledgeId];
            speed = terms.activeSpeedOf(); // not withdrawn: the entry is removed on withdrawal
            uint256 previous = terms.limitOf();
            if (policy == Policy.LimitSqrt)
                (terms, speed, counted) = _respeed(c, previous, speed, limit, scale);
            unchecked {
                emit PledgeRaised(campaignId, pledgeId, msg.sender, limit, previous + limit);
            }
        }
        // Previous limit + limit ≤ escrow + limit ≤ MAX_ESCROW < 2¹²⁸: the limit cannot carry into the speed.
        _terms[campaignId][pledgeId] = terms.raised(counted);
        c.sumLimitSpeedPlusOne += counted * scale * speed;
        TokenIntake.pullExact(IERC20(c.token), msg.sender, limit);
    }

    /// @inheritdoc ICoordinatedPledges
    function withdrawPledge(uint256 campaignId, uint256 pledgeId) external nonReentrant {
        Campaign storage c = _campaign(campaignId);
        _requirePledge(c, campaignId, pledgeId);
        _requireOpenBeforeDeadline(c, campaignId);
        PledgeMeta storage m = _meta[campaignId][pledgeId];
        if (m.pledger != msg.sender) revert NotPledger(campaignId, pledgeId, msg.sender);
        if (m.state != PledgeState.Active) revert PledgeNotActive(campaignId, pledgeId, m.state);

        PackedTerms terms = _terms[campaignId][pledgeId];
        uint256 limit = terms.limitOf();
        uint256 speed = terms.speedOf();
        m.state = PledgeState.Withdrawn;
        _terms[campaignId][pledgeId] = terms.withdrawn();
        // The whole (combined) limit comes back; the sender's next pledge here is a new one.
        delete _pledgeIdPlusOne[campaignId][msg.sender];
        // The latest pledge releases its geometric or harmonic slot: the next pledge gets its speed again,
        // so a pledge/withdraw pair leaves the speeds as they were (ids still advance).
        Policy policy = c.policy;
        if ((policy == Policy.Geometric || policy == Policy.Harmonic) && pledgeId + 1 == c.pledgeCount) {
            c.nextSpeed = uint96(speed);
        }
        unchecked {
            // Both sums include this active pledge's exact contribution, added by `pledge`.
            c.escrow -= uint128(limit);
            c.sumLimitSpeedPlusOne -= limit * (10 ** c.scaleExponent) * speed;
        }
        emit PledgeWithdrawn(campaignId, pledgeId, msg.sender, limit);

        IERC20(c.token).safeTransfer(msg.sender, limit);
    }

    /// @inheritdoc ICoordinatedPledges
    function cancelCampaign(uint256 campaignId) external {
        Campaign storage c = _campaign(campaignId);
        if (c.creator != msg.sender) revert NotCreator(campaignId, msg.sender);
        _requireOpenBeforeDeadline(c, campaignId);
        c.state = CampaignState.Cancelled;
        emit CampaignCancelled(campaignId, msg.sender);
    }

    // ─────────────────────────────────────────────── settlement

    /// @inheritdoc ICoordinatedPledges
    function settle(
        uint256 campaignId,
        uint256 hLow,
        uint256 hHigh,
        uint256 maxPledges
    ) external nonReentrant returns (bool settled, uint256 cursor) {
        return
            _campaign(campaignId).settle(_terms[campaignId], _sessions, campaignId, hLow, hHigh, maxPledges);
    }

    // ─────────────────────────────────────────────── automation

    /// @inheritdoc ICoordinatedPledges
    function checkUpkeep(
        bytes calldata checkData
    ) external view returns (bool upkeepNeeded, bytes memory performData) {
        uint256 offset;
        uint256 limit;
        uint256 maxPledges;
        if (checkData.length == 96) {
            (offset, limit, maxPledges) = abi.decode(checkData, (uint256, uint256, uint256));
        } else if (checkData.length != 0) {
            revert InvalidCheckData(checkData.length);
        }
        (uint256 start, uint256 end) = Paging.window(offset, limit, _campaignCount);
        return _scanDue(start, end, maxPledges);
    }

    /// @inheritdoc ICoordinatedPledges
    function performUpkeep(bytes calldata performData) external nonReentrant {
        if (performData.length != 160) revert InvalidPerformData(performData.length);
        (uint256 campaignId, uint256 hLow, uint256 hHigh, uint256 maxPledges, uint256 expectedCursor) = abi
            .decode(performData, (uint256, uint256, uint256, uint256, uint256));
        Campaign storage c = _campaign(campaignId);
        // Stale data: settled or cancelled since the check (`settle` would reject it the same way).
        if (c.state != CampaignState.Open) revert InvalidCampaignState(campaignId, c.state);
        if (hHigh != 0) {
            uint256 cursor = _sessionCursor(campaignId, hLow, hHigh);
            if (cursor != expectedCursor) revert SessionAdvanced(campaignId, expectedCursor, cursor);
        }
        c.settle(_terms[campaignId], _sessions, campaignId, hLow, hHigh, maxPledges);
    }

    /// @dev `checkUpkeep`'s scan of ids offset + 1 … end. Each search runs under its own gas cap and the
    /// whole scan within the budget: a campaign whose bracket costs more is skipped (its call runs out
    /// of gas), never stalled on.
    function _scanDue(
        uint256 offset,
        uint256 end,
        uint256 maxPledges
    ) private view returns (bool upkeepNeeded, bytes memory performData) {
        uint256 start = gasleft();
        for (uint256 k = offset; k < end; ++k) {
            // k < end ≤ count, so k + 1 cannot overflow.
            if (!_campaigns[k + 1].isDue()) continue;
            uint256 spent = start - gasleft();
            if (spent >= UPKEEP_GAS_BUDGET) break;
            uint256 cap = UPKEEP_GAS_BUDGET - spent;
            if (cap > UPKEEP_CAMPAIGN_GAS) cap = UPKEEP_CAMPAIGN_GAS;
            try this.upkeepBracket{gas: cap}(k + 1) returns (bool found, uint256 hLow, uint256 hHigh) {
                if (found) return (true, _performData(k + 1, hLow, hHigh, maxPledges));
            } catch {
                continue; // out of gas: left to `settle` with a bracket computed off-chain
            }
        }
        return (false, "");
    }

    /// @dev abi.encode(campaignId, hLow, hHigh, maxPledges, cursor) with the session's cursor now.
    function _performData(
        uint256 campaignId,
        uint256 hLow,
        uint256 hHigh,
        uint256 maxPledges
    ) private view returns (bytes memory) {
        uint256 cursor = hHigh == 0 ? 0 : _sessionCursor(campaignId, hLow, hHigh);
        return abi.encode(campaignId, hLow, hHigh, maxPledges, cursor);
    }

    /// @inheritdoc ICoordinatedPledges
    function upkeepBracket(
        uint256 campaignId
    ) external view returns (bool found, uint256 hLow, uint256 hHigh) {
        Campaign storage c = _campaign(campaignId);
        if (!c.isDue()) return (false, 0, 0);
        return c.bracket(_terms[campaignId]);
    }

    // ─────────────────────────────────────────────── claims

    /// @inheritdoc ICoordinatedPledges
    function claim(uint256 campaignId, uint256 pledgeId) external nonReentrant returns (uint256 refund) {
        Campaign storage c = _campaign(campaignId);
        // Existence from the pledge's own slot (state None = never made), saving a read of the count.
        if (pledgeId >= MAX_PLEDGES) revert UnknownPledge(campaignId, pledgeId);
        PledgeMeta storage m = _meta[campaignId][pledgeId];
        PledgeState pledgeState = m.state;
        if (pledgeState == PledgeState.None) revert UnknownPledge(campaignId, pledgeId);
        CampaignState state = c.state;
        if (state != CampaignState.Settled && state != CampaignState.Cancelled) {
            revert InvalidCampaignState(campaignId, state);
        }
        if (pledgeState != PledgeState.Active) revert NothingToClaim(campaignId, pledgeId);

        PackedTerms terms = _terms[campaignId][pledgeId];
        uint256 limit = terms.limitOf();
        uint256 paid;
        uint256 h = state == CampaignState.Settled ? c.h : 0;
        // Exactly the payment the settlement pass summed into the pot (rounded down), so the refunds and
        // the pot add up to the escrow.
        if (h != 0) paid = PledgeMath.payment(limit, PledgeMath.saturation(h, terms.activeSpeedOf()));
        unchecked {
            // paid = ⌊limit·A⌋ ≤ limit since A < 1.
            refund = limit - paid;
        }
        m.state = PledgeState.Claimed;
        address pledger = m.pledger;
        emit RefundClaimed(campaignId, pledgeId, pledger, refund, paid);

        if (refund > 0) IERC20(c.token).safeTransfer(pledger, refund);
    }

    /// @inheritdoc ICoordinatedPledges
    function claimPot(uint256 campaignId) external nonReentrant returns (uint256 amount) {
        Campaign storage c = _campaign(campaignId);
        if (c.state != CampaignState.Settled || c.potClaimed) revert PotNotClaimable(campaignId);
        c.potClaimed = true;
        amount = c.pot;
        IERC20 token = IERC20(c.token);
        address recipient = c.recipient;
        address allocator = c.allocator;

        uint256 rest = amount;
        uint256 pulled;
        if (allocator != address(0) && amount > 0) {
            // The allocator keeps a gap's round total below 2⁹⁶: a larger pot could not go in anyway, and
            // skipping it keeps what is recorded in `potInGap` within 96 bits whatever the allocator does.
            if (amount <= type(uint96).max) {
                uint256 before = token.balanceOf(address(this));
                token.forceApprove(allocator, amount);
                (bool ok, uint256 round) = _contributeToGap(allocator, c.gapId, amount);
                token.forceApprove(allocator, 0);
                uint256 afterBalance = token.balanceOf(address(this));
                // The allowance caps what the allocator can pull at `amount`.
                pulled = ok && before > afterBalance ? before - afterBalance : 0;
                if (pulled > amount) pulled = amount;
                if (pulled > 0) {
                    // Recorded so that `reclaimPot` can take the pot back if the gap closes before the
                    // round is finalised (the allocator then only refunds the contributor: this contract).
                    c.potInGap = uint96(pulled); // ≤ amount ≤ 2⁹⁶ − 1
                    c.gapRound = round > type(uint32).max ? 0 : uint32(round); // allocator rounds fit 32 bits
                }
            }
            rest = amount - pulled;
            if (pulled > 0) emit PotClaimed(campaignId, allocator, pulled, true);
            if (rest > 0) emit GapContributionFailed(campaignId, allocator, c.gapId);
        }
        // Whatever did not go into the gap goes to the recipient; a pot of 0 is "paid" to the recipient
        // too, so that the claim (a state change) has its event.
        if (pulled == 0 || rest > 0) {
            emit PotClaimed(campaignId, recipient, rest, false);
            if (rest > 0) token.safeTransfer(recipient, rest);
        }
    }

    /// @inheritdoc ICoordinatedPledges
    function reclaimPot(uint256 campaignId) external nonReentrant returns (uint256 amount) {
        Campaign storage c = _campaign(campaignId);
        amount = c.potInGap;
        if (amount == 0) revert PotNotReclaimable(campaignId);
        c.potInGap = 0;
        address allocator = c.allocator;
        bytes32 gapId = c.gapId;
        uint256 round = c.gapRound;
        IERC20 token = IERC20(c.token);
        bytes32 key = keccak256(abi.encode(allocator, gapId, round));
        uint256 heldPlusOne = _gapRefundsPlusOne[key];
        if (heldPlusOne == 0) {
            // The first campaign of this gap and round takes the allocator's refund of the whole round
            // total; the allocator's errors (gap not closed, round finalised before the closing) bubble up.
            uint256 before = token.balanceOf(address(this));
            IPledgeGapSink(allocator).refundContribution(gapId, round);
            uint256 afterBalance = token.balanceOf(address(this));
            heldPlusOne = 1 + (afterBalance > before ? afterBalance - before : 0);
        }
        // A conforming allocator refunds exactly the pots it took; pay no more than was refunded.
        if (amount > heldPlusOne - 1) amount = heldPlusOne - 1;
        // Written after the refund call on purpose (its amount is measured); the guard blocks re-entry.
        _gapRefundsPlusOne[key] = heldPlusOne - amount;
        address recipient = c.recipient;
        emit PotReclaimed(campaignId, recipient, amount);
        if (amount > 0) token.safeTransfer(recipient, amount);
    }

    // ─────────────────────────────────────────────── views

    /// @inheritdoc ICoordinatedPledges
    function campaignCount() external view returns (uint256) {
        return _campaignCount;
    }

    /// @inheritdoc ICoordinatedPledges
    function getCampaign(uint256 campaignId) external view returns (CampaignView memory v) {
        Campaign storage c = _campaign(campaignId);
        v.campaignId = campaignId;
        v.token = c.token;
        v.recipient = c.recipient;
        v.creator = c.creator;
        v.deadline = c.deadline;
        v.mode = c.mode;
        v.policy = c.policy;
        v.state = c.state;
        v.scale = 10 ** c.scaleExponent;
        v.initialSpeed = c.initialSpeed;
        v.decay = c.decay;
        v.nextSpeed = c.nextSpeed;
        v.minLimit = c.minLimit;
        v.allocator = c.allocator;
        v.gapId = c.gapId;
        v.pledgeCount = c.pledgeCount;
        v.escrow = c.escrow;
        v.sumLimitSpeed = c.sumLimitSpeed();
        v.h = c.h;
        v.pot = c.pot;
        v.potClaimed = c.potClaimed;
        v.potInGap = c.potInGap;
        v.gapRound = c.gapRound;
    }

    /// @inheritdoc ICoordinatedPledges
    function getPledge(uint256 campaignId, uint256 pledgeId) external view returns (PledgeView memory v) {
        Campaign storage c = _campaign(campaignId);
        _requirePledge(c, campaignId, pledgeId);
        PackedTerms terms = _terms[campaignId][pledgeId];
        PledgeMeta storage m = _meta[campaignId][pledgeId];
        v = PledgeView({pledger: m.pledger, limit: terms.limitOf(), speed: terms.speedOf(), state: m.state});
    }

    /// @inheritdoc ICoordinatedPledges
    function pledgeOf(
        uint256 campaignId,
        address pledger
    ) external view returns (bool exists, uint256 pledgeId) {
        uint256 idPlusOne = _pledgeIdPlusOne[campaignId][pledger];
        unchecked {
            // pledgeId is only meaningful when the entry exists (then idPlusOne ≥ 1).
            return (idPlusOne != 0, idPlusOne == 0 ? 0 : idPlusOne - 1);
        }
    }

    /// @inheritdoc ICoordinatedPledges
    function pledgeCount(uint256 campaignId) external view returns (uint256) {
        return _campaign(campaignId).pledgeCount;
    }

    /// @inheritdoc ICoordinatedPledges
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
        )
    {
        (uint256 start, uint256 end) = Paging.window(offset, limit, _campaign(campaignId).pledgeCount);
        uint256 n = end - start;
        limits = new uint256[](n);
        speeds = new uint256[](n);
        states = new PledgeState[](n);
        pledgers = new address[](n);
        PackedTerms[MAX_PLEDGES] storage terms = _terms[campaignId];
        PledgeMeta[MAX_PLEDGES] storage meta = _meta[campaignId];
        for (uint256 k; k < n; ++k) {
            PackedTerms t = terms[start + k];
            limits[k] = t.limitOf();
            speeds[k] = t.speedOf();
            states[k] = meta[start + k].state;
            pledgers[k] = meta[start + k].pledger;
        }
    }

    /// @inheritdoc ICoordinatedPledges
    function getSession(
        uint256 campaignId,
        uint256 hLow,
        uint256 hHigh
    ) external view returns (SessionView memory) {
        Session storage s = _sessions[PledgeSettlement.sessionId(campaignId, hLow, hHigh)];
        // The partial sums carry gPerH units per unit of h; shown like h (UD60x18), rounded down.
        // (An unknown campaign has no session: zeros, whatever k.)
        uint256 k = PledgeMath.gPerH(_campaigns[campaignId].mode == Mode.Quadratic);
        return SessionView({cursor: s.cursor, gAtLow: s.gLow / k, gAtHigh: s.gHigh / k, pot: s.pot});
    }

    /// @inheritdoc ICoordinatedPledges
    function campaignsDue(uint256 offset, uint256 limit) external view returns (uint256[] memory ids) {
        (uint256 start, uint256 end) = Paging.window(offset, limit, _campaignCount);
        ids = new uint256[](end - start);
        uint256 found;
        for (uint256 k = start; k < end; ++k) {
            // k < end ≤ count, so k + 1 cannot overflow.
            if (_campaigns[k + 1].isDue()) ids[found++] = k + 1;
        }
        assembly ("memory-safe") {
            mstore(ids, found) // shrink to the ids found (found ≤ allocated length)
        }
    }

    /// @inheritdoc ICoordinatedPledges
    function solve(uint256 campaignId) public view returns (uint256 h) {
        Campaign storage c = _campaign(campaignId);
        (uint256[] memory limitsNorm, uint256[] memory speeds) = c.load(_terms[campaignId], 0);
        return PledgeMath.solve(c.mode == Mode.Quadratic, limitsNorm, speeds, c.sumLimitSpeed());
    }

    /// @inheritdoc ICoordinatedPledges
    function paymentAt(uint256 campaignId, uint256 pledgeId, uint256 h) external view returns (uint256) {
        Campaign storage c = _campaign(campaignId);
        _requirePledge(c, campaignId, pledgeId);
        if (h > PledgeMath.MAX_H) revert InvalidBracket(h, h);
        PackedTerms terms = _terms[campaignId][pledgeId];
        if (terms.isWithdrawn()) return 0;
        return PledgeMath.payment(terms.limitOf(), PledgeMath.saturation(h, terms.activeSpeedOf()));
    }

    /// @inheritdoc ICoordinatedPledges
    function evaluate(uint256 campaignId, uint256 h) external view returns (uint256 g, uint256 pot) {
        Campaign storage c = _campaign(campaignId);
        if (h > PledgeMath.MAX_H) revert InvalidBracket(h, h);
        return c.evaluate(_terms[campaignId], h);
    }

    /// @inheritdoc ICoordinatedPledges
    function previewPledge(
        uint256 campaignId,
        uint256 limit
    ) external view returns (uint256 h, uint256 payment, uint256 potIncrease, uint256 leverage) {
        Campaign storage c = _campaign(campaignId);
        uint256 scale = 10 ** c.scaleExponent;
        // The bounds `pledge` enforces, so a limit near 2²⁵⁶ cannot overflow L·scale or L·s.
        if (limit == 0 || limit < c.minLimit) revert LimitTooSmall(limit, c.minLimit);
        uint256 available = (PledgeMath.MAX_ESCROW - uint256(c.escrow) * scale) / scale;
        if (limit > available) revert LimitTooLarge(limit, available);
        (uint256[] memory limitsNorm, uint256[] memory speeds) = c.load(_terms[campaignId], 1);
        limitsNorm[limitsNorm.length - 1] = limit * scale;
        speeds[speeds.length - 1] =
            c.policy == Policy.LimitSqrt ? _limitSpeed(c, limit * scale) : c.nextSpeed;
        return PledgeMath.preview(c.mode == Mode.Quadratic, limitsNorm, speeds, c.sumLimitSpeed(), scale);
    }

    /// @inheritdoc ICoordinatedPledges
    function marginalLeverage(uint256 campaignId, uint256 pledgeId) external view returns (uint256) {
        Campaign storage c = _campaign(campaignId);
        _requirePledge(c, campaignId, pledgeId);
        bool quadratic = c.mode == Mode.Quadratic;
        (uint256[] memory limitsNorm, uint256[] memory speeds) = c.load(_terms[campaignId], 0);
        uint256 h =
            c.state == CampaignState.Settled
                ? c.h
                : PledgeMath.solve(quadratic, limitsNorm, speeds, c.sumLimitSpeed());
        return PledgeMath.leverage(quadratic, limitsNorm, speeds, pledgeId, h);
    }

    // ─────────────────────────────────────────────── internals

    /// @dev The campaign, or `UnknownCampaign`.
    function _campaign(uint256 campaignId) private view returns (Campaign storage c) {
        c = _campaigns[campaignId];
        if (c.state == CampaignState.None) revert UnknownCampaign(campaignId);
    }

    function _requirePledge(Campaign storage c, uint256 campaignId, uint256 pledgeId) private view {
        if (pledgeId >= c.pledgeCount) revert UnknownPledge(campaignId, pledgeId);
    }

    /// @dev A new pledge's speed under a policy other than constant, from the campaign's next speed
    /// `speed`: the slot policies take it and move `nextSpeed` on (each next speed ≤ speed ≤ MAX_SPEED
    /// < 2⁹⁶); limit-sqrt computes it from the normalised limit and keeps `nextSpeed` at s₀.
    function _newPledgeSpeed(
        Campaign storage c,
        Policy policy,
        uint256 speed,
        uint256 limitNorm
    ) private returns (uint256) {
        if (policy == Policy.LimitSqrt) return _limitSpeed(c, limitNorm);
        c.nextSpeed = uint96(
            policy == Policy.Geometric
                ? PledgeMath.geometricNextSpeed(speed, c.decay, c.initialSpeed)
                : PledgeMath.harmonicNextSpeed(speed, c.decay, c.initialSpeed)
        );
        return speed;
    }

    /// @dev A limit-sqrt raise of a pledge of `previous` raw tokens at `speed` by `limit`: the speed follows
    /// the combined limit, so Σ L·s loses the old L·s here and `pledge` adds the combined one at the new
    /// speed. Returns the terms to raise by `counted` (the combined limit), the new speed and `counted`.
    function _respeed(
        Campaign storage c,
        uint256 previous,
        uint256 speed,
        uint256 limit,
        uint256 scale
    ) private returns (PackedTerms terms, uint256 newSpeed, uint256 counted) {
        c.sumLimitSpeedPlusOne -= previous * scale * speed;
        counted = previous + limit;
        newSpeed = _limitSpeed(c, counted * scale);
        terms = PackedTermsLib.pack(0, newSpeed);
    }

    /// @dev The limit-sqrt policy's speed for a (combined) normalised limit L > 0, from s₀ and L₀.
    function _limitSpeed(Campaign storage c, uint256 limitNorm) private view returns (uint256) {
        return PledgeMath.limitSqrtSpeed(c.initialSpeed, c.decay, limitNorm);
    }

    /// @dev Open (not cancelled, not settled) and block.timestamp < deadline (half-open window).
    function _requireOpenBeforeDeadline(Campaign storage c, uint256 campaignId) private view {
        if (c.state != CampaignState.Open) revert InvalidCampaignState(campaignId, c.state);
        if (block.timestamp >= c.deadline) revert DeadlinePassed(campaignId, c.deadline);
    }

    /// @dev The cursor of the settlement session of `campaignId` for [hLow, hHigh] (0: none).
    function _sessionCursor(uint256 campaignId, uint256 hLow, uint256 hHigh) private view returns (uint256) {
        return PledgeSettlement.cursorOf(_sessions[PledgeSettlement.sessionId(campaignId, hLow, hHigh)]);
    }

    /// @dev `contributeToGap(gapId, amount)` without trusting the answer: never reverts, copies at most
    /// 32 bytes of return data (the allocator's round; 0 when it returns none).
    function _contributeToGap(
        address allocator,
        bytes32 gapId,
        uint256 amount
    ) private returns (bool ok, uint256 round) {
        bytes memory data = abi.encodeCall(IPledgeGapSink.contributeToGap, (gapId, amount));
        assembly ("memory-safe") {
            ok := call(gas(), allocator, 0, add(data, 32), mload(data), 0, 32)
            if and(ok, gt(returndatasize(), 31)) {
                round := mload(0)
            }
        }
    }

    function _checkAllocator(address allocator, bytes32 gapId, address token) private view {
        if ((allocator == address(0)) != (gapId == bytes32(0))) revert InvalidAllocator(allocator, gapId);
        if (allocator == address(0)) return;
        if (allocator.code.length == 0) revert InvalidAllocator(allocator, gapId);
        address allocatorToken;
        try IPledgeGapSink(allocator).token() returns (address t) {
            allocatorToken = t;
        } catch {
            revert InvalidAllocator(allocator, gapId);
        }
        if (allocatorToken != token) revert AllocatorTokenMismatch(allocator, allocatorToken, token);
        uint8 status;
        try IPledgeGapSink(allocator).gapStatus(gapId) returns (uint8 s) {
            status = s;
        } catch {
            revert InvalidAllocator(allocator, gapId);
        }
        // 1 = GapStatus.Active: an unregistered or closed gap would send every pot to the recipient.
        if (status != 1) revert GapNotActive(allocator, gapId, status);
    }
}
