// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ICoordinatedPledges} from "../interfaces/ICoordinatedPledges.sol";
import {PackedTerms} from "./PackedTerms.sol";
import {PledgeMath} from "./PledgeMath.sol";

/// @dev Pledge ids are indices into fixed-size storage arrays of this length (no length slot to write
/// on each pledge). Ids are < 2³² − 1 by the checked uint32 count.
uint256 constant MAX_PLEDGES = 2 ** 32;

/// @notice A campaign as CoordinatedPledges stores it. Field order packs what each entry point reads
/// into few slots.
struct Campaign {
    // slot 0 — read by every entry point
    address token;
    uint64 deadline;
    ICoordinatedPledges.Mode mode;
    ICoordinatedPledges.Policy policy;
    ICoordinatedPledges.CampaignState state;
    uint8 scaleExponent; // 18 − decimals
    // slot 1 — written by pledge / withdraw
    uint128 escrow; // raw tokens of non-withdrawn pledges (≤ MAX_ESCROW)
    uint96 nextSpeed; // ≤ MAX_SPEED < 2⁹⁶
    uint32 pledgeCount;
    // slot 2
    // Σ Lnorm·s over active pledges, exact (≤ 1e65), stored PLUS ONE: set to 1 at creation so the
    // first pledge of a campaign writes a non-zero slot (saves ~17,000 gas). Read via sumLimitSpeed.
    uint256 sumLimitSpeedPlusOne;
    // slot 3
    uint128 minLimit;
    uint128 decay; // the policy's parameter: r, c (≤ 1e24) or L₀ (≤ MAX_ESCROW < 2¹²⁸); 1e18 if constant
    // slot 4
    uint128 initialSpeed;
    uint128 pot;
    // slot 5
    uint256 h;
    // slot 6
    address recipient;
    bool potClaimed;
    uint32 gapRound; // the allocator round the pot went into (set with potInGap)
    // slot 7
    address creator;
    uint96 potInGap; // raw tokens of the pot in the allocator gap, until reclaimed (< 2⁹⁶, see claimPot)
    // slot 8
    address allocator;
    // slot 9
    bytes32 gapId;
}

/// @notice The partial sums of one settlement session (a campaign and a bracket [hLow, hHigh]) between
/// its pages: g(hLow) and g(hHigh) in g-units (PledgeMath.gPerH) and the pot at hLow over the pledges
/// before `cursor`.
struct Session {
    uint128 pot;
    uint64 cursor;
    uint256 gLow;
    uint256 gHigh;
}

/// @title PledgeSettlement
/// @notice CoordinatedPledges' settlement engine on its storage: the passes over packed pledges, the
/// paged sessions that certify a bracket [hLow, hHigh] and settle, and the on-chain bracket search of
/// the upkeep. Events and errors are ICoordinatedPledges'.
/// @dev Internal functions only: inlined into the contract, nothing to link or deploy.
library PledgeSettlement {
    /// @notice Pledges processed per settlement call at most (see ICoordinatedPledges.MAX_PAGE_PLEDGES).
    uint256 internal constant MAX_PAGE_PLEDGES = 2_000;
    /// @notice Delay after the deadline from which the h = 0 fallback is allowed.
    uint256 internal constant SETTLEMENT_GRACE_PERIOD = 30 days;

    /// @notice Σ Lnorm·s over the campaign's active pledges (the stored value carries a +1 offset).
    /// @param c The campaign.
    /// @return The exact sum (1e36 units).
    function sumLimitSpeed(Campaign storage c) internal view returns (uint256) {
        unchecked {
            // The stored value is ≥ 1: set to 1 at creation, and withdrawals only remove what pledges added.
            return c.sumLimitSpeedPlusOne - 1;
        }
    }

    /// @notice Whether the campaign is open and past its deadline (ready to settle).
    /// @param c The campaign.
    /// @return True when it can be settled now.
    function isDue(Campaign storage c) internal view returns (bool) {
        return c.state == ICoordinatedPledges.CampaignState.Open && block.timestamp >= c.deadline;
    }

    /// @notice The key of the settlement session of `campaignId` for [hLow, hHigh].
    /// @param campaignId The campaign.
    /// @param hLow The bracket's lower bound.
    /// @param hHigh The bracket's upper bound.
    /// @return keccak256(abi.encode(campaignId, hLow, hHigh)).
    function sessionId(uint256 campaignId, uint256 hLow, uint256 hHigh) internal pure returns (bytes32) {
        return keccak256(abi.encode(campaignId, hLow, hHigh));
    }

    /// @notice The cursor of session `s`: bits 128–191 of its first slot (pot in bits 0–127).
    /// @dev Read in assembly on purpose: a Solidity read of the struct field here changes how the
    /// optimiser shares its storage helpers with `_settlePage` and costs settlement ~12 gas per pledge.
    /// @param s The session.
    /// @return cursor The pledges it has processed.
    function cursorOf(Session storage s) internal view returns (uint256 cursor) {
        assembly ("memory-safe") {
            cursor := and(shr(128, sload(s.slot)), 0xffffffffffffffff)
        }
    }

    /// @notice `settle` after the campaign lookup: the checks, then the h = 0 shortcut or one page.
    /// @param c The campaign.
    /// @param terms Its pledges' packed terms.
    /// @param sessions Every settlement session.
    /// @param campaignId The campaign's id.
    /// @param hLow The bracket's lower bound.
    /// @param hHigh The bracket's upper bound.
    /// @param maxPledges The page size (0 or above MAX_PAGE_PLEDGES: MAX_PAGE_PLEDGES).
    /// @return settled Whether the campaign is now settled.
    /// @return cursor The pledges processed so far in the session.
    function settle(
        Campaign storage c,
        PackedTerms[MAX_PLEDGES] storage terms,
        mapping(bytes32 sessionId => Session) storage sessions,
        uint256 campaignId,
        uint256 hLow,
        uint256 hHigh,
        uint256 maxPledges
    ) internal returns (bool settled, uint256 cursor) {
        if (c.state != ICoordinatedPledges.CampaignState.Open) {
            revert ICoordinatedPledges.InvalidCampaignState(campaignId, c.state);
        }
        uint256 deadline = c.deadline;
        if (block.timestamp < deadline) revert ICoordinatedPledges.DeadlineNotReached(campaignId, deadline);
        if (hLow > hHigh || hHigh > PledgeMath.MAX_H) revert ICoordinatedPledges.InvalidBracket(hLow, hHigh);
        uint256 maxWidth = PledgeMath.maxBracketWidth(hLow);
        if (hHigh - hLow > maxWidth) revert ICoordinatedPledges.BracketTooWide(hLow, hHigh, maxWidth);
        if (hHigh == 0) {
            // Every payment at h = 0 is 0 (atan(0) = 0): no pass needed. Allowed when h = 0 is the only
            // root, or as the liveness fallback after the grace period. (A bracket [0, hHigh > 0] is
            // certified by a pass like any other: g(0) = 0 ≥ 0, so only g(hHigh) ≤ hHigh is checked.)
            uint256 fallbackAt = deadline + SETTLEMENT_GRACE_PERIOD;
            bool rootExists = PledgeMath.hasPositiveRoot(_quadratic(c), sumLimitSpeed(c));
            if (rootExists && block.timestamp < fallbackAt) {
                revert ICoordinatedPledges.TrivialRootRejected(campaignId, fallbackAt);
            }
            _finalize(c, campaignId, 0, 0);
            return (true, c.pledgeCount);
        }

        return _settlePage(c, terms, sessions, campaignId, hLow, hHigh, maxPledges);
    }

    /// @notice The upkeep's bracket search for a due campaign (`upkeepBracket` after its checks).
    /// @param c The campaign (due).
    /// @param terms Its pledges' packed terms.
    /// @return found True: [0, 0] without a positive root, else the bracket PledgeMath.bracket finds.
    /// @return hLow The bracket's lower bound.
    /// @return hHigh The bracket's upper bound.
    function bracket(
        Campaign storage c,
        PackedTerms[MAX_PLEDGES] storage terms
    ) internal view returns (bool found, uint256 hLow, uint256 hHigh) {
        bool quadratic = _quadratic(c);
        uint256 sum = sumLimitSpeed(c);
        if (!PledgeMath.hasPositiveRoot(quadratic, sum)) return (true, 0, 0);
        (uint256[] memory limitsNorm, uint256[] memory speeds) = load(c, terms, 0);
        // A positive root exists, so the bracket is found: PledgeMath.bracket's `found` is false only without
        // one, or for a root beyond MAX_H, which the escrow cap rules out (h ≤ Σ√L or ΣL, far below 1e45).
        (found, hLow, hHigh) = PledgeMath.bracket(quadratic, limitsNorm, speeds, sum);
    }

    /// @notice g(h) and the pot at h over every active pledge (one pass).
    /// @param c The campaign.
    /// @param terms Its pledges' packed terms.
    /// @param h The level (UD60x18, ≤ MAX_H).
    /// @return g g(h), shown like h (UD60x18), rounded down.
    /// @return pot The pot at h in raw tokens.
    function evaluate(
        Campaign storage c,
        PackedTerms[MAX_PLEDGES] storage terms,
        uint256 h
    ) internal view returns (uint256 g, uint256 pot) {
        Session memory acc;
        bool quadratic = _quadratic(c);
        _pass(terms, quadratic, 10 ** c.scaleExponent, h, h, c.pledgeCount, acc);
        // Settlement compares the unrounded sum with h; shown like h (UD60x18), rounded down.
        return (acc.gLow / PledgeMath.gPerH(quadratic), acc.pot);
    }

    /// @notice Active pledges as memory columns (withdrawn ones as limit 0), with `extra` empty slots.
    /// @param c The campaign.
    /// @param terms Its pledges' packed terms.
    /// @param extra Empty entries appended (for a previewed pledge).
    /// @return limitsNorm Each pledge's normalised limit (0 when withdrawn).
    /// @return speeds Each pledge's speed.
    function load(
        Campaign storage c,
        PackedTerms[MAX_PLEDGES] storage terms,
        uint256 extra
    ) internal view returns (uint256[] memory limitsNorm, uint256[] memory speeds) {
        uint256 count = c.pledgeCount;
        uint256 scale = 10 ** c.scaleExponent;
        limitsNorm = new uint256[](count + extra);
        speeds = new uint256[](count + extra);
        for (uint256 k; k < count; ++k) {
            PackedTerms t = terms[k];
            speeds[k] = t.speedOf();
            if (!t.isWithdrawn()) limitsNorm[k] = t.limitOf() * scale;
        }
    }

    /// @notice One page of the session for [hLow, hHigh] (hHigh > 0); verifies and settles after the last.
    /// @dev Apart from `settle`, whose checks leave too little stack for the page's locals.
    /// @param c The campaign.
    /// @param terms Its pledges' packed terms.
    /// @param sessions Every settlement session.
    /// @param campaignId The campaign's id.
    /// @param hLow The bracket's lower bound.
    /// @param hHigh The bracket's upper bound (> 0).
    /// @param maxPledges The page size (0 or above MAX_PAGE_PLEDGES: MAX_PAGE_PLEDGES).
    /// @return settled Whether the campaign is now settled.
    /// @return cursor The pledges processed so far in the session.
    function _settlePage(
        Campaign storage c,
        PackedTerms[MAX_PLEDGES] storage terms,
        mapping(bytes32 sessionId => Session) storage sessions,
        uint256 campaignId,
        uint256 hLow,
        uint256 hHigh,
        uint256 maxPledges
    ) private returns (bool settled, uint256 cursor) {
        bytes32 id = sessionId(campaignId, hLow, hHigh);
        Session storage s = sessions[id];
        Session memory acc = s;
        uint256 count = c.pledgeCount;
        {
            uint256 n = (maxPledges == 0 || maxPledges > MAX_PAGE_PLEDGES) ? MAX_PAGE_PLEDGES : maxPledges;
            // acc.cursor ≤ count ≤ 2³², n ≤ MAX_PAGE_PLEDGES: no overflow.
            cursor = acc.cursor + n < count ? acc.cursor + n : count;
        }
        _pass(terms, _quadratic(c), 10 ** c.scaleExponent, hLow, hHigh, cursor, acc);
        emit ICoordinatedPledges.SettlementProgressed(campaignId, id, hLow, hHigh, cursor, count);

        if (cursor < count) {
            s.cursor = acc.cursor;
            s.gLow = acc.gLow;
            s.gHigh = acc.gHigh;
            s.pot = acc.pot;
            return (false, cursor);
        }
        {
            // g is compared with h exactly (g carries gPerH units per unit of h); the errors show g
            // like h (UD60x18), rounded down.
            uint256 k = PledgeMath.gPerH(_quadratic(c));
            if (acc.gLow < hLow * k) revert ICoordinatedPledges.HTooHigh(hLow, acc.gLow / k);
            if (acc.gHigh > hHigh * k) revert ICoordinatedPledges.HTooLow(hHigh, acc.gHigh / k);
        }
        delete sessions[id];
        _finalize(c, campaignId, hLow, acc.pot);
        return (true, cursor);
    }

    /// @notice The settlement pass over pledges [acc.cursor, end): adds g(hLow), g(hHigh) (g-units, see
    /// PledgeMath.gPerH) and the pot at hLow to `acc` and moves its cursor to `end`.
    /// @dev Withdrawn pledges are skipped. One cold SLOAD, at most two atan and two sqrt per pledge.
    /// @param terms The campaign's packed terms.
    /// @param quadratic The campaign's mode.
    /// @param scale 10^(18 − decimals).
    /// @param hLow The lower level.
    /// @param hHigh The upper level (may equal hLow).
    /// @param end One past the last pledge of the pass.
    /// @param acc The running sums, updated in place.
    function _pass(
        PackedTerms[MAX_PLEDGES] storage terms,
        bool quadratic,
        uint256 scale,
        uint256 hLow,
        uint256 hHigh,
        uint256 end,
        Session memory acc
    ) private view {
        uint256 gLow = acc.gLow;
        uint256 gHigh = acc.gHigh;
        uint256 pot = acc.pot;
        for (uint256 k = acc.cursor; k < end; ++k) {
            PackedTerms t = terms[k];
            if (t.isWithdrawn()) continue;
            (uint256 paid, uint256 termLow, uint256 termHigh) = _pledgeTerms(
                quadratic,
                scale,
                hLow,
                hHigh,
                t
            );
            pot += paid;
            gLow += termLow;
            gHigh += termHigh;
        }
        acc.gLow = gLow;
        acc.gHigh = gHigh;
        acc.pot = uint128(pot); // ≤ Σ limits ≤ MAX_ESCROW < 2¹²⁸
        acc.cursor = uint64(end); // ≤ 2³²
    }

    /// @notice One active pledge's payment at hLow (raw tokens) and g-terms at hLow and hHigh.
    /// @param quadratic The campaign's mode.
    /// @param scale 10^(18 − decimals).
    /// @param hLow The lower level.
    /// @param hHigh The upper level.
    /// @param t The pledge's terms (not withdrawn).
    /// @return paid The payment at hLow, raw tokens.
    /// @return termLow Its g-term at hLow.
    /// @return termHigh Its g-term at hHigh.
    function _pledgeTerms(
        bool quadratic,
        uint256 scale,
        uint256 hLow,
        uint256 hHigh,
        PackedTerms t
    ) private pure returns (uint256 paid, uint256 termLow, uint256 termHigh) {
        uint256 limit = t.limitOf();
        uint256 speed = t.activeSpeedOf();
        uint256 aLow = PledgeMath.saturation(hLow, speed);
        paid = PledgeMath.payment(limit, aLow);
        termLow = PledgeMath.term(quadratic, limit * scale, aLow);
        termHigh =
            hLow == hHigh
                ? termLow
                : PledgeMath.term(quadratic, limit * scale, PledgeMath.saturation(hHigh, speed));
    }

    /// @notice Marks the campaign settled at h with its pot and emits `CampaignSettled`.
    /// @param c The campaign.
    /// @param campaignId Its id.
    /// @param h The certified level.
    /// @param pot The pot at h, raw tokens.
    function _finalize(Campaign storage c, uint256 campaignId, uint256 h, uint256 pot) private {
        c.state = ICoordinatedPledges.CampaignState.Settled;
        c.h = h;
        c.pot = uint128(pot); // ≤ escrow < 2¹²⁸
        emit ICoordinatedPledges.CampaignSettled(campaignId, msg.sender, h, pot);
    }

    /// @notice Whether the campaign is in the quadratic mode.
    /// @param c The campaign.
    /// @return True for Mode.Quadratic.
    function _quadratic(Campaign storage c) private view returns (bool) {
        return c.mode == ICoordinatedPledges.Mode.Quadratic;
    }
}
