// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {PledgeMath} from "../../contracts/libraries/PledgeMath.sol";
import {CoordinatedPledges} from "../../contracts/CoordinatedPledges.sol";
import {ICoordinatedPledges} from "../../contracts/interfaces/ICoordinatedPledges.sol";
import {TestToken} from "../../contracts/mocks/TestToken.sol";
import {QuadraticFundingAllocator} from "../../contracts/QuadraticFundingAllocator.sol";
import {IQuadraticFundingAllocator} from "../../contracts/interfaces/IQuadraticFundingAllocator.sol";
import {TestBase} from "./utils/Test.sol";

/// @title RegressionsTest
/// @notice Regression tests of the contract defects the Solidity fuzz and invariant suites found, one
/// test each with its minimal sequence. Each failed on the code before its fix (the commit that fixed
/// it says so) and checks only the correct behaviour.
/// Run alone: `npx hardhat test solidity test/solidity/Regressions.t.sol`.
///
/// BUG 1 — FIXED in 37708b1 (these tests now pass) — `PledgeMath.derivative` overflowed inside its
/// documented domain.
///   c = ⌊⌊L·s/1e18⌋ · TWO_OVER_PI_36 / 1e36⌋ multiplies before dividing: ⌊L·s/1e18⌋ · 6.37e35
///   exceeds 2²⁵⁶ as soon as L·s > 1.8189e59, while the NatSpec promises no overflow for
///   L ≤ MAX_ESCROW (1e38) and s ≤ MAX_SPEED (1e27), i.e. L·s up to 1e65. Every caller panics
///   (0x11): `gAndSlope`, `solve`, `bracket`, `leverage`, `preview`.
///   Impact on CoordinatedPledges: one campaign whose pledge has L·s > 1.82e59 (e.g. an 18-decimal
///   token, speed 1e27 = the maximum, limit 2e14 tokens — any token works, the campaign creator may
///   use a worthless one) makes `checkUpkeep("")` revert once it is past its deadline, so hosted
///   automation (the README's "one custom-logic upkeep per contract", empty checkData) stops
///   settling every later campaign too; `solve`, `previewPledge` and `marginalLeverage` revert for
///   that campaign. Funds are not locked: `settle` with an off-chain bracket does not use the
///   derivative (shown below).
///   Fix direction: divide before multiplying (e.g. mulDiv(L·s/1e18, TWO_OVER_PI_36, 1e36)).
///
/// BUG 2 — FIXED in cc2bf68 (these tests now pass) — `QuadraticFundingAllocator.withdrawGapFunds` truncated the match total to 96 bits.
///   `cold.matchedTotal += uint96(matched)` casts the sum of up to 32 rounds' matches, which can exceed
///   2⁹⁶ − 1 although each round's match is below 2⁹⁶ (the comment "each ≤ a pool < 2^96" is about one
///   round). (a) One withdrawal settling rounds whose matches add up to ≥ 2⁹⁶ records
///   matchedTotal = Σ − 2⁹⁶: silently wrong (getGapFundingStats, getAllGapsFunding totals, the
///   auditor's reconciliation). (b) Once a gap's cumulative matches reach 2⁹⁶ the checked `+=`
///   overflows: every later withdrawGapFunds of that gap reverts with Panic(0x11) and its direct
///   contributions and matches are locked for good. 2⁹⁶ raw units are 7.9·10¹⁰ tokens at 18 decimals
///   (a cheap token, or many rounds of a large pool). Found by the allocator invariant (deep profile).
///   Fix direction: keep matchedTotal in a wider type (or check the sum before casting).
///
/// BUG 3 — FIXED (issue 10; this test now passes) — `QuadraticFundingAllocator` kept a gap's lifetime direct total in 96 bits and rejected
///   every contribution that would take it past 2⁹⁶ − 1 (`AmountTooLarge`), although each round's
///   direct amount is bounded on its own: once a gap had received 2⁹⁶ raw units over its lifetime
///   (7.9·10¹⁰ tokens at 18 decimals — a cheap token, or years of a busy gap) it could never be
///   contributed to again, and a campaign's pot aimed at it went to the recipient instead.
///   Found by reviewing every narrowing cast (issue 10, "lifetime counters").
///   Fix direction: the same carry as the matched total (low 96 bits in the hot slot, the rest in a
///   slot written only past them).
///
/// BUG 4 — FIXED (issue 10; this test now passes) — a gap's lifetime count of distinct contributors was a `uint32` incremented with checked
///   arithmetic: the 2³²-th distinct contributor of a gap (one transaction per address, ~4·10¹⁴ gas
///   in all — within reach on a cheap chain) reverted with Panic(0x11), and so did every later new
///   contributor: the gap was shut to newcomers for good. Fix direction: a counter no sequence of
///   transactions can fill (the hot slot had 16 spare bits: uint48).
contract RegressionsTest is TestBase {
    uint256 internal constant UNIT = 1e18;

    /// @dev BUG 1 at the library: L = MAX_ESCROW, s = MAX_SPEED is inside the documented bounds.
    function test_BUG1_derivativeOverflowsInsideDocumentedBounds() public {
        uint256 limitNorm = PledgeMath.MAX_ESCROW;
        uint256 speed = PledgeMath.MAX_SPEED;
        try this.derivativeExternal(limitNorm, speed, 0) returns (uint256 d) {
            // Expected once fixed: p'(0) = (2/π)·L·s/1e18 in UD60x18 = 6.366e46.
            assertGt(d, 6366e43, "p'(0)");
        } catch (bytes memory err) {
            fail(
                string.concat(
                    "BUG 1: PledgeMath.derivative(MAX_ESCROW, MAX_SPEED, 0) reverts with ",
                    describeRevert(err)
                )
            );
        }
    }

    function derivativeExternal(uint256 limitNorm, uint256 speed, uint256 h) external pure returns (uint256) {
        return PledgeMath.derivative(limitNorm, speed, h);
    }

    /// @dev BUG 1 through CoordinatedPledges: campaign 1 (speed 1e27, one pledge of 2e14 tokens) and an
    /// ordinary campaign 2 both reach their deadline; `checkUpkeep("")` must propose a settlement.
    /// Sequence: createCampaign(speed 1e27) → createCampaign(speed 1e16) → pledge(1, 2e32) →
    /// pledge(2, 100e18) ×2 → warp past the deadline → checkUpkeep("") reverts with panic 0x11.
    function test_BUG1_checkUpkeepRevertsForEveryCampaign() public {
        (CoordinatedPledges pledges, uint256 big, ) = twoDueCampaigns();
        try pledges.checkUpkeep("") returns (bool needed, bytes memory data) {
            assertTrue(needed, "a campaign is due");
            (uint256 id, , , , ) = abi.decode(data, (uint256, uint256, uint256, uint256, uint256));
            assertEq(id, big, "campaign 1 proposed first");
        } catch (bytes memory err) {
            fail(
                string.concat(
                    'BUG 1: CoordinatedPledges.checkUpkeep("") reverts with ',
                    describeRevert(err),
                    " because campaign 1's bracket overflows PledgeMath.derivative: campaign 2 is never automated"
                )
            );
        }
    }

    /// @dev BUG 1: the views that solve on chain revert for campaign 1: solve, previewPledge and
    /// marginalLeverage.
    function test_BUG1_solvingViewsRevert() public {
        (CoordinatedPledges pledges, uint256 big, ) = twoDueCampaigns();
        string memory broken;
        try pledges.solve(big) returns (uint256) {} catch (bytes memory err) {
            broken = string.concat(broken, " solve: ", describeRevert(err), ";");
        }
        try pledges.previewPledge(big, 1e18) returns (uint256, uint256, uint256, uint256) {} catch (
            bytes memory err
        ) {
            broken = string.concat(broken, " previewPledge: ", describeRevert(err), ";");
        }
        try pledges.marginalLeverage(big, 0) returns (uint256) {} catch (bytes memory err) {
            broken = string.concat(broken, " marginalLeverage: ", describeRevert(err), ";");
        }
        if (bytes(broken).length != 0)
            fail(string.concat("BUG 1: views revert for a pledge with L*s = 2e59:", broken));
    }

    /// @dev Not a failure: what BUG 1 does NOT break. Campaign 1 settles with an off-chain bracket
    /// (`settle` sums g without the derivative), every refund is claimable, and afterwards
    /// `checkUpkeep` proposes campaign 2.
    function test_BUG1_offChainSettlementStillWorks() public {
        (CoordinatedPledges pledges, uint256 big, uint256 ordinary) = twoDueCampaigns();
        (uint256 lo, uint256 hi) = bisect(pledges, big);
        (bool settled, ) = pledges.settle(big, lo, hi, 0);
        assertTrue(settled, "campaign 1 settles with an off-chain bracket");
        uint256 refund = pledges.claim(big, 0);
        ICoordinatedPledges.CampaignView memory v = pledges.getCampaign(big);
        assertEq(refund + v.pot, 2e32, "refund + pot = escrow");
        (bool needed, bytes memory data) = pledges.checkUpkeep("");
        assertTrue(needed, "campaign 2 is due");
        (uint256 id, , , , ) = abi.decode(data, (uint256, uint256, uint256, uint256, uint256));
        assertEq(id, ordinary, "campaign 2 proposed");
    }

    function twoDueCampaigns() internal returns (CoordinatedPledges pledges, uint256 big, uint256 ordinary) {
        TestToken token = new TestToken("T", "T", 18);
        pledges = new CoordinatedPledges();
        uint64 deadline = uint64(block.timestamp + 1 days);
        ICoordinatedPledges.CampaignParams memory p = ICoordinatedPledges.CampaignParams({
            token: address(token),
            recipient: address(0xBEEF),
            deadline: deadline,
            mode: ICoordinatedPledges.Mode.Quadratic,
            policy: ICoordinatedPledges.Policy.Constant,
            initialSpeed: PledgeMath.MAX_SPEED,
            decay: 0,
            minLimit: 0,
            allocator: address(0),
            gapId: bytes32(0)
        });
        big = pledges.createCampaign(p);
        p.initialSpeed = 1e16;
        ordinary = pledges.createCampaign(p);
        token.mint(address(this), 2e32 + 200e18);
        token.approve(address(pledges), type(uint256).max);
        pledges.pledge(big, 2e32); // L·s = 2e32 · 1e27 = 2e59 > 1.82e59
        pledges.pledge(ordinary, 100e18);
        pledges.pledge(ordinary, 100e18);
        vm.warp(deadline + 1);
    }

    /// @dev The tightest [lo, lo + 1] with g(lo) ≥ lo and g(lo + 1) ≤ lo + 1, by bisection on the
    /// contract's own `evaluate` (which does not use the derivative).
    function bisect(CoordinatedPledges pledges, uint256 id) internal view returns (uint256 lo, uint256 hi) {
        lo = 1;
        hi = 1e30;
        while (hi - lo > 1) {
            uint256 mid = lo + (hi - lo) / 2;
            (uint256 gm, ) = pledges.evaluate(id, mid);
            if (gm >= mid) lo = mid;
            else hi = mid;
        }
    }

    // ─────────────────────────────────────────────── BUG 2

    uint256 internal constant U96 = type(uint96).max;
    bytes32 internal constant GAP = keccak256("gap");
    address internal constant RECIPIENT = address(0x4EC1);

    /// @dev An 18-decimal allocator in whole-pool mode with one gap that two contributors fund every
    /// round: the gap's match is each round's whole pool, here U96 = 2⁹⁶ − 1.
    function wholePoolAllocator() internal returns (QuadraticFundingAllocator alloc, TestToken token) {
        token = new TestToken("T", "T", 18);
        alloc = new QuadraticFundingAllocator(address(token), 6 hours, address(this));
        alloc.registerGap(GAP, RECIPIENT, "");
        alloc.setMatchingSettings(true, 0);
        token.mint(address(this), 4 * U96);
        token.approve(address(alloc), type(uint256).max);
        alloc.fundMatchingPool(4 * U96);
        token.mint(address(0xA), 10e18);
        token.mint(address(0xB), 10e18);
        vm.prank(address(0xA));
        token.approve(address(alloc), type(uint256).max);
        vm.prank(address(0xB));
        token.approve(address(alloc), type(uint256).max);
    }

    function fundedRound(QuadraticFundingAllocator alloc) internal {
        vm.prank(address(0xA));
        alloc.contributeToGap(GAP, 1e18);
        vm.prank(address(0xB));
        alloc.contributeToGap(GAP, 1e18);
        vm.warp(block.timestamp + 6 hours);
        alloc.computeMatchingRound(U96);
    }

    /// @dev BUG 2(a). Sequence: setMatchingSettings(wholePool) → fundMatchingPool(2¹¹¹) → two rounds, each
    /// with contributions of 1 token from two contributors and computeMatchingRound(2⁹⁶ − 1) →
    /// withdrawGapFunds: 2·(2⁹⁶ − 1) of matches are paid, matchedTotal records 2⁹⁶ − 2.
    function test_BUG2_matchedTotalTruncatedInOneWithdrawal() public {
        (QuadraticFundingAllocator alloc, TestToken token) = wholePoolAllocator();
        fundedRound(alloc);
        fundedRound(alloc);
        uint256 paid = alloc.withdrawGapFunds(GAP);
        assertEq(paid, 2 * U96 + 4e18, "paid: two whole pools and the direct contributions");
        assertEq(token.balanceOf(RECIPIENT), paid, "the recipient got it all");
        IQuadraticFundingAllocator.GapStats memory s = alloc.getGapFundingStats(GAP);
        assertEq(s.matchedTotal, 2 * U96, "BUG 2(a): matchedTotal truncated to 96 bits");
    }

    /// @dev BUG 2(b). Sequence: as above, one round → withdrawGapFunds (matchedTotal = 2⁹⁶ − 1) → one
    /// more round → withdrawGapFunds reverts with Panic(0x11): the gap's funds are locked.
    function test_BUG2_withdrawalsLockedOnceMatchesReach2pow96() public {
        (QuadraticFundingAllocator alloc, ) = wholePoolAllocator();
        fundedRound(alloc);
        alloc.withdrawGapFunds(GAP);
        fundedRound(alloc);
        try alloc.withdrawGapFunds(GAP) returns (uint256 paid) {
            assertEq(paid, U96 + 2e18, "second withdrawal");
        } catch (bytes memory err) {
            fail(
                string.concat(
                    "BUG 2(b): withdrawGapFunds reverts with ",
                    describeRevert(err),
                    " once the gap's matches reach 2^96: its funds are locked"
                )
            );
        }
    }

    // ─────────────────────────────────────────────── BUG 3

    /// @dev BUG 3. Sequence: registerGap → contributeToGap(2⁹⁶ − 1) → computeMatchingRound(0) →
    /// withdrawGapFunds → contributeToGap(1) in round 2 reverts with AmountTooLarge(1, 0); the
    /// lifetime total must read 2⁹⁶ exactly, and the next round's funds withdraw normally.
    function test_BUG3_gapLifetimeDirectTotalPast2pow96() public {
        TestToken token = new TestToken("T", "T", 18);
        QuadraticFundingAllocator alloc = new QuadraticFundingAllocator(
            address(token),
            6 hours,
            address(this)
        );
        alloc.registerGap(GAP, RECIPIENT, "");
        token.mint(address(this), 3 * U96);
        token.approve(address(alloc), type(uint256).max);
        alloc.contributeToGap(GAP, U96);
        vm.warp(block.timestamp + 6 hours);
        alloc.computeMatchingRound(0);
        assertEq(alloc.withdrawGapFunds(GAP), U96, "round 1 paid");
        try alloc.contributeToGap(GAP, 1) returns (uint256 round) {
            assertEq(round, 2, "round 2");
        } catch (bytes memory err) {
            fail(
                string.concat(
                    "BUG 3: contributeToGap reverts with ",
                    describeRevert(err),
                    " once the gap's lifetime direct total reaches 2^96 - 1: the gap is shut"
                )
            );
        }
        alloc.contributeToGap(GAP, U96 - 1); // round 2 holds 2⁹⁶ − 1: still within its own bound
        assertEq(alloc.getGapFundingStats(GAP).directTotal, 2 * U96, "lifetime direct total, exact");
        vm.warp(block.timestamp + 6 hours);
        alloc.computeMatchingRound(0);
        assertEq(alloc.withdrawGapFunds(GAP), U96, "round 2 paid");
        assertEq(token.balanceOf(RECIPIENT), 2 * U96, "the recipient got it all");
    }

    // ─────────────────────────────────────────────── BUG 4

    /// @dev BUG 4. The gap's hot slot is found by its status byte (bits 160–167 = Active); its
    /// contributor count (bits 168–199) is set to 2³² − 1, as 2³² − 1 distinct contributors would leave
    /// it; one more new contributor must be counted, not rejected.
    function test_BUG4_contributorCountPast2pow32() public {
        TestToken token = new TestToken("T", "T", 18);
        QuadraticFundingAllocator alloc = new QuadraticFundingAllocator(
            address(token),
            6 hours,
            address(this)
        );
        alloc.registerGap(GAP, RECIPIENT, "");
        token.mint(address(this), 10);
        token.approve(address(alloc), type(uint256).max);
        alloc.contributeToGap(GAP, 1);
        bytes32 slot;
        for (uint256 p = 0; p < 64; ++p) {
            bytes32 candidate = keccak256(abi.encode(GAP, p));
            if ((uint256(cheatLoad(address(alloc), candidate)) >> 160) & 0xff == 1) {
                slot = candidate;
                break;
            }
        }
        assertTrue(slot != bytes32(0), "gap slot found");
        uint256 word = uint256(cheatLoad(address(alloc), slot));
        assertEq((word >> 168) & 0xffffffff, 1, "one contributor");
        word |= uint256(type(uint32).max) << 168;
        cheatStore(address(alloc), slot, bytes32(word));
        assertEq(alloc.getGapFundingStats(GAP).contributorCount, type(uint32).max, "2^32 - 1 contributors");
        token.mint(address(0xB), 1);
        vm.prank(address(0xB));
        token.approve(address(alloc), 1);
        vm.prank(address(0xB));
        try alloc.contributeToGap(GAP, 1) {
            assertEq(
                alloc.getGapFundingStats(GAP).contributorCount,
                uint256(type(uint32).max) + 1,
                "counted"
            );
        } catch (bytes memory err) {
            fail(
                string.concat(
                    "BUG 4: a new contributor reverts with ",
                    describeRevert(err),
                    " once the gap has 2^32 - 1 contributors: the gap is shut to newcomers"
                )
            );
        }
    }

    function cheatLoad(address target, bytes32 slot) internal returns (bytes32 value) {
        (bool ok, bytes memory ret) = address(vm).call(
            abi.encodeWithSignature("load(address,bytes32)", target, slot)
        );
        require(ok, "vm.load");
        value = abi.decode(ret, (bytes32));
    }

    function cheatStore(address target, bytes32 slot, bytes32 value) internal {
        (bool ok, ) = address(vm).call(
            abi.encodeWithSignature("store(address,bytes32,bytes32)", target, slot, value)
        );
        require(ok, "vm.store");
    }
}
