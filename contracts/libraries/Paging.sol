// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Paging
/// @notice The one reading of the (offset, limit) pair of every paged view of cofund: the items
/// `offset` … `offset + limit − 1`, clamped to the `count` there are, and `limit = 0` meaning "to the end".
library Paging {
    /// @notice The half-open window [start, end) of a page over `count` items.
    /// @dev start = min(offset, count), so an offset at or past the count gives an empty window; end is
    /// the count when `limit` is 0 or reaches past it. Never overflows, whatever the arguments.
    /// @param offset The first item asked for.
    /// @param limit The most items asked for (0: every item from `offset` on).
    /// @param count The number of items.
    /// @return start The first item of the page.
    /// @return end One past its last item (start ≤ end ≤ count).
    function window(
        uint256 offset,
        uint256 limit,
        uint256 count
    ) internal pure returns (uint256 start, uint256 end) {
        start = offset < count ? offset : count;
        unchecked {
            // start ≤ count, and start + limit is taken only when limit ≤ count − start.
            end = limit == 0 || limit > count - start ? count : start + limit;
        }
    }
}
