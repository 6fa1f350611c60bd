// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {mulDiv} from "@prb/math/src/Common.sol";
import {CoordinatedPledges} from "../../contracts/CoordinatedPledges.sol";
import {ICoordinatedPledges as ICP} from "../../contracts/interfaces/ICoordinatedPledges.sol";
import {PledgeMath} from "../../contracts/libraries/PledgeMath.sol";
import {TestToken} from "../../contracts/mocks/TestToken.sol";
import {TestBase} from "./utils/Test.sol";

/// @title PoliciesTest
/// @notice The harmonic and limit-sqrt speed policies. Library: the harmonic recursion
/// 1/s_{k+1} = 1/s_k + c/s₀ stays within k wei below the closed form ⌊s₀·1e18/(1e18 + c·k)⌋ (each step
/// rounds down by < 1 wei and the step is 1-Lipschitz), decreases and never reaches 0; the limit-sqrt
/// speed s₀·√(L₀/L) is s₀ at L₀, non-increasing in L, within [1, MAX_SPEED], and never above the real
/// value (s²·L ≤ s₀²·L₀). Contract: the speeds of a campaign's pledges, the latest withdrawal releasing a
/// harmonic slot, a limit-sqrt raise moving Σ L·s exactly, and the parameter bounds at creation.
contract PoliciesTest is TestBase {
    uint256 internal constant UNIT = 1e18;
    uint256 internal constant MAX_SPEED = 1e27;
    address internal constant RECIPIENT = address(0x4EC1);
    address internal constant A = address(0xA);
    address internal constant B = address(0xB);
    address internal constant C = address(0xC);

    TestToken internal token;
    CoordinatedPledges internal pledges;

    function setUp() public {
        token = new TestToken("T", "T", 18);
        pledges = new CoordinatedPledges();
        address[3] memory who = [A, B, C];
        for (uint256 i = 0; i < 3; ++i) {
            token.mint(who[i], 1e33);
            vm.prank(who[i]);
            token.approve(address(pledges), type(uint256).max);
        }
    }

    // ─────────────────────────────────────────────── library

    function testFuzz_harmonicWithinClosedForm(uint256 s0, uint256 c, uint256 steps) public pure {
        s0 = bound(s0, 1, MAX_SPEED);
        c = bound(c, 1, PledgeMath.MAX_HARMONIC_RATE);
        steps = bound(steps, 1, 40);
        uint256 s = s0;
        for (uint256 k = 1; k <= steps; ++k) {
            uint256 next = PledgeMath.harmonicNextSpeed(s, c, s0);
            assertGe(next, 1, "never 0");
            assertLe(next, s, "never faster");
            // ⌊s₀/(1 + c·k)⌋ with 1e18 fixed point: an upper bound, and at most k wei above the speed.
            uint256 closed = mulDiv(s0, UNIT, UNIT + c * k);
            assertLe(next, closed > 1 ? closed : 1, "at most the closed form");
            if (closed > k) assertGe(next, closed - k, "within k wei of the closed form");
            s = next;
        }
    }

    function testFuzz_limitSqrtSpeed(uint256 s0, uint256 l0, uint256 l1, uint256 l2) public pure {
        s0 = bound(s0, 1, MAX_SPEED);
        l0 = bound(l0, 1, PledgeMath.MAX_ESCROW);
        l1 = bound(l1, 1, PledgeMath.MAX_ESCROW);
        l2 = bound(l2, 1, PledgeMath.MAX_ESCROW);
        if (l1 > l2) (l1, l2) = (l2, l1);
        uint256 s1 = PledgeMath.limitSqrtSpeed(s0, l0, l1);
        uint256 s2 = PledgeMath.limitSqrtSpeed(s0, l0, l2);
        assertGe(s2, 1, "at least 1 wei");
        assertLe(s1, MAX_SPEED, "at most MAX_SPEED");
        assertLe(s2, s1, "non-increasing in the limit");
        assertEq(PledgeMath.limitSqrtSpeed(s0, l0, l0), s0, "s0 at the reference limit");
        // Never above s₀·√(L₀/L): s² · L ≤ s₀² · L₀ (both sides in 512-bit via mulDiv), unless floored at 1.
        if (s2 > 1) assertLe(mulDiv(s2 * s2, l2, s0 * s0), l0, "s^2 L <= s0^2 L0");
    }

    // ─────────────────────────────────────────────── contract

    function create(ICP.Policy policy, uint256 speed, uint256 param) internal returns (uint256) {
        return
            pledges.createCampaign(
                ICP.CampaignParams({
                    token: address(token),
                    recipient: RECIPIENT,
                    deadline: uint64(block.timestamp + 1 days),
                    mode: ICP.Mode.Quadratic,
                    policy: policy,
                    initialSpeed: speed,
                    decay: param,
                    minLimit: 0,
                    allocator: address(0),
                    gapId: bytes32(0)
                })
            );
    }

    function pledgeAs(address who, uint256 id, uint256 limit) internal returns (uint256 pid, uint256 speed) {
        vm.prank(who);
        (pid, speed) = pledges.pledge(id, limit);
    }

    function sumFromPledges(uint256 id) internal view returns (uint256 sum) {
        (uint256[] memory limits, uint256[] memory speeds, ICP.PledgeState[] memory states, ) = pledges
            .getPledges(id, 0, 100);
        for (uint256 k; k < limits.length; ++k) {
            if (states[k] != ICP.PledgeState.Withdrawn) sum += limits[k] * speeds[k];
        }
    }

    function test_harmonicSlotsAndRelease() public {
        uint256 s0 = 2e17;
        uint256 c = 5e17;
        uint256 id = create(ICP.Policy.Harmonic, s0, c);
        (, uint256 first) = pledgeAs(A, id, 1e18);
        (, uint256 second) = pledgeAs(B, id, 1e18);
        assertEq(first, s0, "slot 0: s0");
        // 1/s₁ = 1/s₀ + c/s₀ = 1.5/s₀: s₁ = s₀/1.5, rounded down.
        assertEq(second, (s0 * 2) / 3, "slot 1: s0/1.5");
        uint256 third = pledges.getCampaign(id).nextSpeed;
        // 1/s₂ = 2/s₀: s₀/2, less the rounding of two steps (≤ 2 wei).
        assertLe(third, s0 / 2, "slot 2: at most s0/2");
        assertGe(third, s0 / 2 - 2, "slot 2: within 2 wei of s0/2");
        vm.prank(B);
        pledges.withdrawPledge(id, 1);
        assertEq(pledges.getCampaign(id).nextSpeed, second, "the latest withdrawal releases its slot");
        (, uint256 again) = pledgeAs(C, id, 1e18);
        assertEq(again, second, "the released slot is taken again");
        assertEq(pledges.getCampaign(id).sumLimitSpeed, sumFromPledges(id), "sum L s");
    }

    function test_limitSqrtRaiseMovesSumExactly() public {
        uint256 s0 = 1e17;
        uint256 l0 = 9e18;
        uint256 id = create(ICP.Policy.LimitSqrt, s0, l0);
        (, uint256 sa) = pledgeAs(A, id, 1e18);
        (, uint256 sb) = pledgeAs(B, id, 9e18);
        assertEq(sa, 3 * s0, "L = L0/9: 3 s0");
        assertEq(sb, s0, "L = L0: s0");
        assertEq(pledges.getCampaign(id).nextSpeed, s0, "nextSpeed stays s0");
        uint256 before = pledges.getCampaign(id).sumLimitSpeed;
        (uint256 pid, uint256 raised) = pledgeAs(A, id, 35e18); // 36 = 4·9: speed s0/2
        assertEq(pid, 0, "same id");
        assertEq(raised, s0 / 2, "recomputed from the combined limit");
        assertEq(pledges.getPledge(id, 0).speed, s0 / 2, "stored");
        assertEq(pledges.getPledge(id, 0).limit, 36e18, "combined limit");
        uint256 afterRaise = pledges.getCampaign(id).sumLimitSpeed;
        assertEq(afterRaise, before - 1e18 * sa + 36e18 * raised, "old L s out, new in");
        assertEq(afterRaise, sumFromPledges(id), "equals the pledges' sum");
        vm.prank(A);
        pledges.withdrawPledge(id, 0);
        assertEq(pledges.getCampaign(id).sumLimitSpeed, 9e18 * s0, "withdrawal takes out the new L s");
    }

    function test_policyParameterBounds() public {
        uint256 maxRate = PledgeMath.MAX_HARMONIC_RATE;
        uint256 maxRef = PledgeMath.MAX_ESCROW;
        vm.expectRevert(
            abi.encodeWithSelector(ICP.InvalidPolicyParameter.selector, ICP.Policy.Harmonic, 0, maxRate)
        );
        create(ICP.Policy.Harmonic, 1e18, 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICP.InvalidPolicyParameter.selector,
                ICP.Policy.Harmonic,
                maxRate + 1,
                maxRate
            )
        );
        create(ICP.Policy.Harmonic, 1e18, maxRate + 1);
        vm.expectRevert(
            abi.encodeWithSelector(ICP.InvalidPolicyParameter.selector, ICP.Policy.LimitSqrt, 0, maxRef)
        );
        create(ICP.Policy.LimitSqrt, 1e18, 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICP.InvalidPolicyParameter.selector,
                ICP.Policy.LimitSqrt,
                maxRef + 1,
                maxRef
            )
        );
        create(ICP.Policy.LimitSqrt, 1e18, maxRef + 1);
        vm.expectRevert(abi.encodeWithSelector(ICP.InvalidDecay.selector, 0));
        create(ICP.Policy.Geometric, 1e18, 0);
        assertEq(
            pledges.getCampaign(create(ICP.Policy.Harmonic, 1e18, maxRate)).decay,
            maxRate,
            "c at the bound"
        );
        assertEq(
            pledges.getCampaign(create(ICP.Policy.LimitSqrt, 1e18, maxRef)).decay,
            maxRef,
            "L0 at the bound"
        );
        assertEq(
            pledges.getCampaign(create(ICP.Policy.Constant, 1e18, 0)).decay,
            UNIT,
            "constant stores 1e18"
        );
    }
}
