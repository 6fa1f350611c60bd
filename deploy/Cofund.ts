/**
 * Ignition module "Cofund": the ERC-20, the QuadraticFundingAllocator (and, later, CoordinatedPledges)
 * with their roles.
 *
 * Which token: Ignition modules are static, so the choice is made when the module is built. With
 * `tokenAddress` (or the `TOKEN_ADDRESS` environment variable for the default export) the module
 * uses that ERC-20 (`Cofund#Token`); without it, it deploys `TestToken` (`Cofund#TestToken`, a local
 * test token with open minting) and mints `testTokenMint` tokens to each of the first
 * `testTokenHolders` accounts.
 *
 * Parameters (`connection.ignition.deploy(…, { parameters: { Cofund: {...} } })`):
 * - `roundDuration` — seconds a matching round lasts at least (default 21600 = 6 hours);
 * - `admin` — receives DEFAULT_ADMIN_ROLE, CURATOR_ROLE, KEEPER_ROLE and PAUSER_ROLE (default: the deployer);
 * - `tokenAddress` — overrides the address of the external token (only when built with one);
 * - `testTokenName`, `testTokenSymbol`, `testTokenDecimals` — the test token (defaults "Cofund Test Token",
 *   "CFT", 18).
 * Extra role holders (`curators`, `keepers`, `pausers`; default export: the comma-separated
 * `CURATOR_ADDRESSES`, `KEEPER_ADDRESSES`, `PAUSER_ADDRESSES`) are granted by the deployer, which
 * must then be the admin.
 *
 * Adding a contract: one line in `contracts` below (e.g. `pledges: m.contract("CoordinatedPledges")`);
 * the module returns every entry of that object.
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/** The Ignition module id; deployment records are keyed `Cofund#<future id>`. */
export const MODULE_ID = "Cofund";
/** The default minimum round length: 6 hours. */
export const DEFAULT_ROUND_DURATION = 6 * 60 * 60;
/** Tokens (in whole tokens) the test token mints to each local account. */
export const DEFAULT_TEST_TOKEN_MINT = 1_000_000n;

/** How to build the module. */
export interface CofundModuleOptions {
  /** Use this ERC-20 instead of deploying the test token. */
  tokenAddress?: string;
  /** With the test token: how many of the first accounts get `testTokenMint` tokens (default 10). */
  testTokenHolders?: number;
  /** With the test token: whole tokens minted to each holder (default 1,000,000). */
  testTokenMint?: bigint;
  /** With the test token: its decimals (default 18; the allocator accepts at most 18). */
  testTokenDecimals?: number;
  /** Extra CURATOR_ROLE holders. */
  curators?: string[];
  /** Extra KEEPER_ROLE holders. */
  keepers?: string[];
  /** Extra PAUSER_ROLE holders. */
  pausers?: string[];
}

/** Builds the "Cofund" module for the given token choice and role holders. */
export function buildCofundModule(options: CofundModuleOptions = {}) {
  return buildModule(MODULE_ID, (m) => {
    const deployer = m.getAccount(0);
    const roundDuration = m.getParameter("roundDuration", DEFAULT_ROUND_DURATION);
    const admin = m.getParameter("admin", deployer);

    let token;
    if (options.tokenAddress !== undefined) {
      token = m.contractAt("IERC20Metadata", m.getParameter("tokenAddress", options.tokenAddress), {
        id: "Token",
      });
    } else {
      const decimals = options.testTokenDecimals ?? 18;
      token = m.contract("TestToken", [
        m.getParameter("testTokenName", "Cofund Test Token"),
        m.getParameter("testTokenSymbol", "CFT"),
        m.getParameter("testTokenDecimals", decimals),
      ]);
      const perHolder = (options.testTokenMint ?? DEFAULT_TEST_TOKEN_MINT) * 10n ** BigInt(decimals);
      for (let i = 0; i < (options.testTokenHolders ?? 10); i++) {
        m.call(token, "mint", [m.getAccount(i), perHolder], { id: `MintToAccount${i}` });
      }
    }

    const contracts = {
      token,
      allocator: m.contract("QuadraticFundingAllocator", [token, roundDuration, admin]),
      // One CoordinatedPledges serves every campaign and token (no constructor arguments, no roles).
      pledges: m.contract("CoordinatedPledges", []),
    };

    const grants: [string, string[] | undefined][] = [
      ["CURATOR_ROLE", options.curators],
      ["KEEPER_ROLE", options.keepers],
      ["PAUSER_ROLE", options.pausers],
    ];
    for (const [role, holders] of grants) {
      if (holders === undefined || holders.length === 0) continue;
      const roleId = m.staticCall(contracts.allocator, role, [], 0, { id: `Read${role}` });
      holders.forEach((holder, i) => {
        m.call(contracts.allocator, "grantRole", [roleId, holder], { id: `Grant${role}To${i}` });
      });
    }

    return contracts;
  });
}

function addressList(value: string | undefined): string[] | undefined {
  const list = (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return list.length > 0 ? list : undefined;
}

/**
 * The module configured from the environment (`TOKEN_ADDRESS`, `CURATOR_ADDRESSES`, …), for code that
 * imports it. Deploy with `npm run deploy`: Ignition's own CLI (`hardhat ignition deploy`) only loads
 * modules from deploy/modules/, and it would skip the stale-record check of deploy/deploy-cofund.ts.
 */
export default buildCofundModule({
  tokenAddress: process.env.TOKEN_ADDRESS !== "" ? process.env.TOKEN_ADDRESS : undefined,
  curators: addressList(process.env.CURATOR_ADDRESSES),
  keepers: addressList(process.env.KEEPER_ADDRESSES),
  pausers: addressList(process.env.PAUSER_ADDRESSES),
});
