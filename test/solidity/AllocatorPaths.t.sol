// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ITokenErrors} from "../../contracts/interfaces/ITokenErrors.sol";
import {QuadraticFundingAllocator} from "../../contracts/QuadraticFundingAllocator.sol";
import {IQuadraticFundingAllocator as IQF} from "../../contracts/interfaces/IQuadraticFundingAllocator.sol";
import {TestToken} from "../../contracts/mocks/TestToken.sol";
import {TestBase} from "./utils/Test.sol";

/// @title AllocatorPathsTest
/// @notice Deterministic cases for the QuadraticFundingAllocator paths that random sequences reach
/// rarely: constructor validation, double pause, refunds of a contributor's previous round, a
/// withdrawal walk longer than 32 rounds, 96-bit limits per round and per gap, the per-gap cap, and
/// every view's edge (empty rounds, unknown gaps, paging past the registry).
contract AllocatorPathsTest is TestBase {
    uint256 internal constant DURATION = 6 hours;
    bytes32 internal constant GAP = keccak256("gap");
    address internal constant RECIPIENT = address(0x4EC1);
    address internal constant A = address(0xA);
    address internal constant B = address(0xB);

    TestToken internal token;
    QuadraticFundingAllocator internal alloc;

    function setUp() public {
        token = new TestToken("T", "T", 18);
        alloc = new QuadraticFundingAllocator(address(token), DURATION, address(this));
        alloc.registerGap(GAP, RECIPIENT, "ipfs://gap");
        address[3] memory who = [A, B, address(this)];
        for (uint256 i = 0; i < 3; ++i) {
            token.mint(who[i], type(uint128).max);
            vm.prank(who[i]);
            token.approve(address(alloc), type(uint256).max);
        }
    }

    function contribute(address from, uint256 amount) internal {
        vm.prank(from);
        alloc.contributeToGap(GAP, amount);
    }

    function nextRound(uint256 pool) internal {
        vm.warp(block.timestamp + DURATION);
        alloc.computeMatchingRound(pool);
    }

    // ─────────────────────────────────────────────── constructor and roles

    function test_constructorRejectsBadParameters() public {
        vm.expectRevert(abi.encodeWithSelector(ITokenErrors.ZeroAddress.selector));
        new QuadraticFundingAllocator(address(0), DURATION, address(this));
        vm.expectRevert(abi.encodeWithSelector(ITokenErrors.ZeroAddress.selector));
        new QuadraticFundingAllocator(address(token), DURATION, address(0));
        vm.expectRevert(abi.encodeWithSelector(IQF.InvalidRoundDuration.selector, 0));
        new QuadraticFundingAllocator(address(token), 0, address(this));
        vm.expectRevert(abi.encodeWithSelector(IQF.InvalidRoundDuration.selector, 365 days + 1));
        new QuadraticFundingAllocator(address(token), 365 days + 1, address(this));
        vm.expectRevert(abi.encodeWithSelector(ITokenErrors.InvalidToken.selector, address(0xdead)));
        new QuadraticFundingAllocator(address(0xdead), DURATION, address(this));
        // A contract without decimals().
        vm.expectRevert(abi.encodeWithSelector(ITokenErrors.InvalidToken.selector, address(this)));
        new QuadraticFundingAllocator(address(this), DURATION, address(this));
        TestToken wide = new TestToken("W", "W", 19);
        vm.expectRevert(abi.encodeWithSelector(ITokenErrors.UnsupportedDecimals.selector, 19));
        new QuadraticFundingAllocator(address(wide), DURATION, address(this));
        assertEq(alloc.roundDuration(), DURATION, "roundDuration");
        assertEq(alloc.token(), address(token), "token");
    }

    function test_pauseAndUnpauseTwice() public {
        alloc.pause();
        vm.expectRevert(abi.encodeWithSelector(IQF.ContractPaused.selector));
        alloc.pause();
        // Paused: no contribution, no finalisation (even once the round is over).
        vm.prank(A);
        vm.expectRevert(abi.encodeWithSelector(IQF.ContractPaused.selector));
        alloc.contributeToGap(GAP, 1);
        vm.warp(block.timestamp + DURATION);
        vm.expectRevert(abi.encodeWithSelector(IQF.ContractPaused.selector));
        alloc.computeMatchingRound(0);
        (bool needed, ) = alloc.checkUpkeep("");
        assertFalse(needed, "no upkeep while paused");
        alloc.unpause();
        vm.expectRevert(abi.encodeWithSelector(IQF.ContractNotPaused.selector));
        alloc.unpause();
    }

    function test_registerRejectsZeroRecipient() public {
        vm.expectRevert(abi.encodeWithSelector(ITokenErrors.ZeroAddress.selector));
        alloc.registerGap(keccak256("other"), address(0), "");
    }

    // ─────────────────────────────────────────────── contributions and refunds

    function test_contributionLimits() public {
        // Per contributor and round, and per gap and round: 2⁹⁶ − 1 raw units. (The gap's lifetime
        // total is Regressions.t.sol's BUG 3.)
        uint256 u96 = type(uint96).max;
        contribute(A, u96 - 10);
        vm.expectRevert(abi.encodeWithSelector(IQF.AmountTooLarge.selector, 11, 10));
        contribute(A, 11);
        vm.expectRevert(abi.encodeWithSelector(IQF.AmountTooLarge.selector, 11, 10));
        contribute(B, 11); // the gap's round direct would pass 2⁹⁶ − 1
        nextRound(0);
        contribute(B, 10);
        vm.expectRevert(abi.encodeWithSelector(IQF.PoolTooSmall.selector, 1, 0));
        nextRound(1);
        alloc.fundMatchingPool(u96 + 1);
        vm.warp(block.timestamp + DURATION);
        vm.expectRevert(abi.encodeWithSelector(IQF.AmountTooLarge.selector, u96 + 1, u96));
        alloc.computeMatchingRound(u96 + 1);
    }

    /// @dev A contributor's previous round stays refundable: contributions in round 1 and, with the
    /// keeper late, in round 2; the gap closes in round 1; both refunds pay exactly.
    function test_refundsBothOpenRounds() public {
        contribute(A, 100);
        contribute(B, 50);
        vm.warp(block.timestamp + DURATION); // round 1 is over but not finalised: round 2 now
        contribute(A, 7);
        assertEq(alloc.contributionOf(GAP, A, 1), 100, "round 1 (previous) amount");
        assertEq(alloc.contributionOf(GAP, A, 2), 7, "round 2 amount");
        assertEq(alloc.contributionOf(GAP, A, 3), 0, "no round 3 amount");
        alloc.closeGap(GAP);
        vm.expectRevert(abi.encodeWithSelector(IQF.GapIsClosed.selector, GAP));
        contribute(A, 1);
        uint256 before = token.balanceOf(A);
        vm.prank(A);
        assertEq(alloc.refundContribution(GAP, 1), 100, "refund of the previous round");
        vm.prank(A);
        assertEq(alloc.refundContribution(GAP, 2), 7, "refund of the latest round");
        assertEq(token.balanceOf(A) - before, 107, "refunded");
        vm.prank(A);
        vm.expectRevert(abi.encodeWithSelector(IQF.NothingToRefund.selector, GAP, A, 1));
        alloc.refundContribution(GAP, 1);
        vm.prank(A);
        vm.expectRevert(abi.encodeWithSelector(IQF.UnknownGap.selector, keccak256("x")));
        alloc.refundContribution(keccak256("x"), 1);
        assertEq(alloc.matchOf(GAP, 1), 0, "closed from round 1: no match");
    }

    // ─────────────────────────────────────────────── withdrawals

    /// @dev 34 funded rounds, then one withdrawal pays the newest 32 and remembers where it stopped;
    /// the next one pays the last 2; a third has nothing left.
    function test_withdrawalWalkOver32Rounds() public {
        alloc.fundMatchingPool(1e30);
        uint256 expected;
        for (uint256 r = 1; r <= 34; ++r) {
            contribute(A, 4e18);
            contribute(B, 1e18);
            nextRound(1e20);
            // w = (√4 + √1)² − 5 = 4 tokens, α = 1: the match is the weight.
            assertEq(alloc.matchOf(GAP, r), 4e18, "match per round");
            expected += 5e18 + 4e18;
        }
        uint256 shown = alloc.withdrawable(GAP);
        assertEq(shown, 32 * 9e18, "withdrawable: 32 rounds at most");
        assertEq(alloc.withdrawGapFunds(GAP), shown, "first page");
        assertEq(alloc.withdrawable(GAP), 2 * 9e18, "the walk's rest");
        assertEq(alloc.withdrawGapFunds(GAP), 2 * 9e18, "second page");
        assertEq(token.balanceOf(RECIPIENT), expected, "everything paid");
        vm.expectRevert(abi.encodeWithSelector(IQF.NothingToWithdraw.selector, GAP));
        alloc.withdrawGapFunds(GAP);
        IQF.GapStats memory s = alloc.getGapFundingStats(GAP);
        assertEq(s.matchedTotal, 34 * 4e18, "matchedTotal");
        assertEq(s.directTotal, 34 * 5e18, "directTotal");
    }

    /// @dev A finalised round shows its match at once: matchedTotal counts every match allocated by
    /// finalised rounds (paid or not), matchedPaid what was paid, withdrawable what the next withdrawal
    /// pays. w = (√4 + √1)² − 5 = 4 tokens per round, α = 1 (pool ≥ W): the match is the weight.
    function test_statsShowMatchesOnceFinalised() public {
        alloc.fundMatchingPool(1e30);
        contribute(A, 4e18);
        contribute(B, 1e18);
        IQF.GapStats memory s = alloc.getGapFundingStats(GAP);
        assertEq(s.matchedTotal, 0, "open round: nothing matched yet");
        nextRound(1e20);
        s = alloc.getGapFundingStats(GAP);
        assertEq(s.matchedTotal, 4e18, "matched once finalised");
        assertEq(s.matchedPaid, 0, "nothing paid yet");
        assertEq(s.withdrawable, 9e18, "direct + match ready");
        assertEq(s.directTotal, 5e18, "directTotal");
        // 34 rounds in all; one withdrawal pays the newest 32, then one more round is finalised.
        for (uint256 r = 2; r <= 34; ++r) {
            contribute(A, 4e18);
            contribute(B, 1e18);
            nextRound(1e20);
        }
        alloc.withdrawGapFunds(GAP);
        contribute(A, 4e18);
        contribute(B, 1e18);
        nextRound(1e20);
        s = alloc.getGapFundingStats(GAP);
        assertEq(s.matchedTotal, 35 * 4e18, "every finalised round's match, mid-walk");
        assertEq(s.matchedPaid, 32 * 4e18, "the first page's matches");
        assertEq(s.withdrawable, alloc.withdrawable(GAP), "the next withdrawal");
        (IQF.GapStats[] memory page, IQF.SystemTotals memory totals) = alloc.getAllGapsFunding(0, 10);
        assertEq(page[0].matchedTotal, 35 * 4e18, "page");
        assertEq(totals.matchedTotal, 35 * 4e18, "page total");
        alloc.withdrawGapFunds(GAP);
        alloc.withdrawGapFunds(GAP);
        s = alloc.getGapFundingStats(GAP);
        assertEq(s.matchedTotal, 35 * 4e18, "unchanged by paying");
        assertEq(s.matchedPaid, 35 * 4e18, "all paid");
        assertEq(s.withdrawable, 0, "nothing left");
    }

    /// @dev Refunded contributions leave directTotal and are counted in refundedTotal; a closed gap's
    /// refundable rounds have no match.
    function test_statsCountRefundsApart() public {
        alloc.fundMatchingPool(1e30);
        contribute(A, 4e18);
        contribute(B, 1e18);
        nextRound(1e20); // round 1: matched 4 tokens
        contribute(A, 100);
        contribute(B, 50);
        alloc.closeGap(GAP); // round 2 becomes refundable
        vm.prank(A);
        alloc.refundContribution(GAP, 2);
        IQF.GapStats memory s = alloc.getGapFundingStats(GAP);
        assertEq(s.refundedTotal, 100, "refundedTotal");
        assertEq(s.directTotal, 5e18 + 50, "directTotal without the refund");
        assertEq(s.matchedTotal, 4e18, "round 1's match only");
        assertEq(s.withdrawable, 9e18, "round 1 only");
        vm.prank(B);
        alloc.refundContribution(GAP, 2);
        s = alloc.getGapFundingStats(GAP);
        assertEq(s.refundedTotal, 150, "both refunds");
        assertEq(s.directTotal, 5e18, "directTotal");
    }

    /// @dev A per-gap cap of 10% of the pool limits a large match.
    function test_capLimitsTheMatch() public {
        alloc.fundMatchingPool(1000e18);
        alloc.setMatchingSettings(false, 1000);
        contribute(A, 400e18);
        contribute(B, 100e18); // w = 400 tokens, α = 1, cap = 10% of 1,000 = 100
        nextRound(1000e18);
        assertEq(alloc.matchOf(GAP, 1), 100e18, "capped at 10% of the pool");
        vm.expectRevert(abi.encodeWithSelector(IQF.GapsUnsettled.selector, 1, 0, 1));
        alloc.sweepRound(1);
        assertEq(alloc.withdrawGapFunds(GAP), 600e18, "direct 500 + capped match 100");
        assertEq(alloc.sweepRound(1), 300e18, "allocation 400 - paid 100 back to the pool");
        assertEq(alloc.matchingPoolBalance(), 900e18, "pool");
    }

    // ─────────────────────────────────────────────── views

    function test_viewEdges() public {
        IQF.RoundView memory none = alloc.getRound(0);
        assertEq(none.roundNumber, 0, "round 0 is empty");
        none = alloc.getRound(3);
        assertEq(none.roundNumber, 0, "beyond the next round: empty");
        IQF.RoundView memory next = alloc.getRound(2);
        assertEq(next.roundNumber, 2, "the next round exists");
        assertEq(next.startTime, 0, "not started");
        vm.expectRevert(abi.encodeWithSelector(IQF.UnknownGap.selector, keccak256("x")));
        alloc.getGapFundingStats(keccak256("x"));
        assertEq(alloc.withdrawable(keccak256("x")), 0, "unknown gap: nothing withdrawable");
        vm.expectRevert(abi.encodeWithSelector(IQF.GapIndexOutOfRange.selector, 1, 1));
        alloc.gapIdAt(1);
        assertEq(alloc.gapIdAt(0), GAP, "gapIdAt");
    }

    /// @dev Three gaps in all: GAP with 10 from A, g2 with nothing, g3 with 5 from B.
    function registerTwoMoreGapsAndContribute() internal {
        alloc.registerGap(keccak256("g2"), RECIPIENT, "");
        alloc.registerGap(keccak256("g3"), RECIPIENT, "");
        contribute(A, 10e18);
        vm.prank(B);
        alloc.contributeToGap(keccak256("g3"), 5e18);
    }

    function test_allGapsFundingPages() public {
        registerTwoMoreGapsAndContribute();
        (IQF.GapStats[] memory gaps, IQF.SystemTotals memory totals) = alloc.getAllGapsFunding(0, 10);
        assertEq(gaps.length, 3, "all gaps");
        assertEq(totals.gapCount, 3, "gap count");
        assertEq(totals.directTotal, 15e18, "page total");
        assertEq(totals.currentRound, 1, "current round");
        assertEq(keccak256(bytes(gaps[0].metadataURI)), keccak256("ipfs://gap"), "uri");
        (gaps, totals) = alloc.getAllGapsFunding(1, 1);
        assertEq(gaps.length, 1, "one gap");
        assertEq(gaps[0].gapId, keccak256("g2"), "the second gap");
        assertEq(totals.directTotal, 0, "the page's total only");
        (gaps, totals) = alloc.getAllGapsFunding(5, 1);
        assertEq(gaps.length, 0, "past the registry");
        assertEq(totals.gapCount, 3, "count still reported");
    }

    /// @dev `limit` 0 means "to the end", as in every paged view (libraries/Paging.sol).
    function test_allGapsFundingLimitZeroReadsToTheEnd() public {
        registerTwoMoreGapsAndContribute();
        (IQF.GapStats[] memory gaps, IQF.SystemTotals memory totals) = alloc.getAllGapsFunding(0, 0);
        assertEq(gaps.length, 3, "every gap");
        assertEq(totals.directTotal, 15e18, "the whole registry's total");
        (gaps, totals) = alloc.getAllGapsFunding(1, 0);
        assertEq(gaps.length, 2, "from the second gap to the end");
        assertEq(gaps[1].gapId, keccak256("g3"), "the last gap");
        assertEq(totals.directTotal, 5e18, "the page's total");
        (gaps, ) = alloc.getAllGapsFunding(3, 0);
        assertEq(gaps.length, 0, "nothing past the registry");
    }
}
