// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {PledgeMath} from "../../contracts/libraries/PledgeMath.sol";
import {CoordinatedPledges} from "../../contracts/CoordinatedPledges.sol";
import {ICoordinatedPledges} from "../../contracts/interfaces/ICoordinatedPledges.sol";
import {TestToken} from "../../contracts/mocks/TestToken.sol";
import {TestBase} from "./utils/Test.sol";

/// @title KnownBugsTest
/// @notice ██ FAILING ON PURPOSE ██ — real contract bugs found by these Solidity tests, one failing
/// test each, with the minimal sequence. They are not fixed here (tests only); they pass once the
/// contracts are fixed. Run alone: `npx hardhat test solidity test/solidity/KnownBugs.t.sol`.
///
/// BUG 1 — `PledgeMath.derivative` overflows inside its documented domain.
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
contract KnownBugsTest is TestBase {
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
}
