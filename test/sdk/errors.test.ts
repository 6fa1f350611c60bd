/**
 * sdk/errors/: every custom error of both contracts has a sentence naming it, exactly one; the
 * generated error names (sdk/generated/error-names.ts) match the compiled ABIs; OpenZeppelin errors,
 * Error(string), panics, empty and unknown data decode; reverts thrown by the in-process network
 * are found inside ethers/Hardhat errors.
 */
import { readFile } from "node:fs/promises";
import { expect } from "chai";
import { AbiCoder, ErrorFragment, Interface, id, type InterfaceAbi } from "ethers";
import hre from "hardhat";
import { ICoordinatedPledges__factory, IQuadraticFundingAllocator__factory } from "../../typechain-types";
import {
  ContractRevertError,
  decodeRevert,
  decodeRevertData,
  describeError,
  formatUtc,
  hasSentence,
  isCofundRevert,
  registerErrorAbi,
  type CofundErrorName,
  type ErrorContext,
} from "../../sdk/errors";
import { ALLOCATOR_SENTENCES } from "../../sdk/errors/allocator";
import { LIBRARY_SENTENCES } from "../../sdk/errors/libraries";
import { PLEDGES_SENTENCES } from "../../sdk/errors/pledges";
import { SHARED_SENTENCES } from "../../sdk/errors/shared";
import { ALLOCATOR_ERRORS, PLEDGES_ERRORS, ROLE_NAMES } from "../../sdk/generated/error-names";
import { gapIdFromName } from "../../sdk/ids";
import { ethers } from "../helpers/chain";

const coder = AbiCoder.defaultAbiCoder();
const allocatorInterface = IQuadraticFundingAllocator__factory.createInterface();
const pledgesInterface = ICoordinatedPledges__factory.createInterface();
const GAP = gapIdFromName("clean-water");
const ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const ctx: ErrorContext = {
  decimals: 18,
  symbol: "CFT",
  gapName: (gapId) => (gapId === GAP ? "clean-water" : undefined),
};
const tokens = (n: string): bigint => BigInt(n) * 10n ** 18n;

function encode(iface: Interface, name: string, args: unknown[]): string {
  return iface.encodeErrorResult(name, args);
}

/** The sentence each allocator error must produce for sample arguments (written out by hand). */
const EXPECTED: Record<string, [unknown[], string]> = {
  UnknownGap: [[GAP], 'Gap "clean-water" is not registered (UnknownGap)'],
  GapAlreadyRegistered: [[GAP], 'Gap "clean-water" is already registered (GapAlreadyRegistered)'],
  GapIsClosed: [[GAP], 'Gap "clean-water" is closed (GapIsClosed)'],
  GapNotClosed: [
    [GAP],
    'Gap "clean-water" is still open; only contributions to a closed gap can be refunded (GapNotClosed)',
  ],
  ZeroAmount: [[], "The amount must be greater than zero (ZeroAmount)"],
  ZeroAddress: [[], "The zero address is not allowed here (ZeroAddress)"],
  ZeroGapId: [[], "The gap id must not be zero (ZeroGapId)"],
  AmountTooLarge: [
    [tokens("5"), tokens("2")],
    "The amount 5 CFT is larger than the 2 CFT the allocator's accounting supports (AmountTooLarge)",
  ],
  RoundNotOver: [[3n, 1795284000n], "Round 3 is still open until 2026-11-21 18:00 UTC (RoundNotOver)"],
  PoolTooSmall: [
    [tokens("100"), 12_500_000_000_000_000_000n],
    "The matching pool holds 12.5 CFT, less than the 100 CFT requested (PoolTooSmall)",
  ],
  TransferAmountMismatch: [
    [tokens("10"), tokens("9")],
    "The token delivered 9 CFT instead of 10 CFT; tokens with transfer fees are not supported (TransferAmountMismatch)",
  ],
  UnsupportedDecimals: [[24n], "The token has 24 decimals; at most 18 are supported (UnsupportedDecimals)"],
  GapIndexOutOfRange: [[5n, 2n], "There is no gap at index 5; 2 gaps are registered (GapIndexOutOfRange)"],
  InvalidToken: [[ALICE], `${ALICE} is not an ERC-20 with decimals() (InvalidToken)`],
  InvalidRoundDuration: [
    [0n],
    "A round duration of 0 seconds is not allowed (zero or too long) (InvalidRoundDuration)",
  ],
  InvalidCap: [
    [10_001n],
    "A per-gap cap of 10,001 basis points is above the maximum of 10,000 (100%) (InvalidCap)",
  ],
  ContractPaused: [[], "The allocator is paused (ContractPaused)"],
  ContractNotPaused: [[], "The allocator is not paused (ContractNotPaused)"],
  NothingToWithdraw: [[GAP], 'Gap "clean-water" has nothing to withdraw now (NothingToWithdraw)'],
  NothingToRefund: [
    [GAP, ALICE, 2n],
    `${ALICE} has nothing to refund from gap "clean-water" in round 2 (NothingToRefund)`,
  ],
  InvalidPerformData: [[], "The upkeep's performData could not be decoded (InvalidPerformData)"],
  RoundNotFinalized: [[4n], "Round 4 is not finalised yet (RoundNotFinalized)"],
  RoundAlreadySwept: [[2n], "Round 2 was already swept (RoundAlreadySwept)"],
  GapsUnsettled: [
    [2n, 1n, 3n],
    "Only 1 of round 2's 3 funded gaps have withdrawn; the round can be swept once all have (GapsUnsettled)",
  ],
};

describe("sdk/errors", () => {
  it("has a sentence for every custom error of IQuadraticFundingAllocator", () => {
    const names: string[] = [];
    allocatorInterface.forEachError((fragment: ErrorFragment) => {
      names.push(fragment.name);
      expect(hasSentence(fragment.format("sighash")), fragment.format("sighash")).to.equal(true);
    });
    expect(names.sort()).to.deep.equal(Object.keys(EXPECTED).sort());
  });

  for (const [name, [args, sentence]] of Object.entries(EXPECTED)) {
    it(`decodes ${name}`, () => {
      const decoded = decodeRevertData(encode(allocatorInterface, name, args), ctx);
      expect(decoded.kind).to.equal("custom");
      expect(decoded.name).to.equal(name);
      expect(decoded.message).to.equal(sentence);
    });
  }

  it("has a sentence for every custom error of ICoordinatedPledges, without any client connected", () => {
    // Sample arguments by type; every argument must show up in the sentence (numbers with or
    // without thousands separators, addresses as given).
    const sample: Record<string, [unknown, RegExp]> = {
      uint256: [123_456n, /123,?456|1970-01-02 10:17:36 UTC/], // an amount, id or time
      uint8: [2, /cancelled|withdrawn|2/],
      address: [ALICE, new RegExp(ALICE)],
      bytes32: [GAP, /clean-water|0x/],
    };
    let count = 0;
    pledgesInterface.forEachError((fragment: ErrorFragment) => {
      count++;
      const signature = fragment.format("sighash");
      expect(hasSentence(signature), signature).to.equal(true);
      const args = fragment.inputs.map((p) => sample[p.type]![0]);
      const message = decodeRevertData(pledgesInterface.encodeErrorResult(fragment, args), ctx).message;
      expect(message, signature).to.match(new RegExp(`\\(${fragment.name}\\)$`));
      expect(message, signature).not.to.match(/^The contract rejected the call/);
      for (const p of fragment.inputs)
        expect(message, `${signature}: ${p.name}`).to.match(sample[p.type]![1]);
    });
    expect(count).to.be.greaterThan(25);
  });

  it("reads pledges errors as sentences written out by hand", () => {
    const cases: Array<[string, unknown[], string]> = [
      ["UnknownCampaign", [7n], "Campaign 7 does not exist (UnknownCampaign)"],
      ["UnknownPledge", [7n, 3n], "Campaign 7 has no pledge 3 (UnknownPledge)"],
      [
        "DeadlineNotReached",
        [2n, 1795284000n],
        "Campaign 2 can be settled from 2026-11-21 18:00 UTC, not before (DeadlineNotReached)",
      ],
      [
        "DeadlinePassed",
        [2n, 1795284000n],
        "Campaign 2 closed for pledges at 2026-11-21 18:00 UTC (DeadlinePassed)",
      ],
      [
        "InvalidCampaignState",
        [4n, 3n],
        "Campaign 4 is settled, which does not allow this (InvalidCampaignState)",
      ],
      ["PledgeNotActive", [4n, 1n, 2n], "Pledge 1 of campaign 4 is withdrawn (PledgeNotActive)"],
      ["NotCreator", [4n, ALICE], `${ALICE} did not create campaign 4 (NotCreator)`],
    ];
    for (const [name, args, sentence] of cases) {
      expect(decodeRevertData(encode(pledgesInterface, name, args), ctx).message).to.equal(sentence);
    }
  });

  it("shows pledges' fixed-point values as decimals and limits in token units, never raw 18-decimal integers", () => {
    const six: ErrorContext = { decimals: 6, symbol: "USDC" };
    const cases: Array<[string, unknown[], ErrorContext, string]> = [
      [
        "InvalidSpeed",
        [0n, 10n ** 24n],
        ctx,
        "The initial speed 0 must be positive and at most 1,000,000 (InvalidSpeed)",
      ],
      [
        "InvalidSpeed",
        [1_500_000_000_000_000_000_000_001n, 10n ** 24n],
        ctx,
        "The initial speed 1,500,000.000000000000000001 must be positive and at most 1,000,000 (InvalidSpeed)",
      ],
      [
        "InvalidDecay",
        [1_000_000_000_000_000_001n],
        ctx,
        "The decay 1.000000000000000001 must be above 0 and at most 1 (InvalidDecay)",
      ],
      [
        "LimitTooSmall",
        [1_500_000n, 2_000_000n],
        six,
        "The limit 1.5 USDC is zero or below the campaign's minimum 2 USDC (LimitTooSmall)",
      ],
      [
        "LimitTooLarge",
        [tokens("5"), 2_500_000_000_000_000_000n],
        ctx,
        "The limit 5 CFT exceeds the 2.5 CFT the campaign can still take (LimitTooLarge)",
      ],
      [
        "InvalidBracket",
        [3_000_000_000_000_000_000n, 2_250_000_000_000_000_000n],
        ctx,
        "The bracket [3, 2.25] is reversed or above the largest h (InvalidBracket)",
      ],
      [
        "BracketTooWide",
        [tokens("1"), 1_000_000_000_000_000_100n, 1_000_004n],
        ctx,
        "The bracket [1, 1.0000000000000001] is wider than 0.000000000001000004 (BracketTooWide)",
      ],
      [
        "HTooHigh",
        [2_500_000_000_000_000_000n, 2_499_999_999_999_999_999n],
        ctx,
        "h = 2.5 is above the root: g(h) = 2.499999999999999999 (HTooHigh)",
      ],
      ["HTooLow", [tokens("2"), tokens("3")], ctx, "h = 2 is below the root: g(h) = 3 (HTooLow)"],
    ];
    for (const [name, args, context, sentence] of cases) {
      const message = decodeRevertData(encode(pledgesInterface, name, args), context).message;
      expect(message, name).to.equal(sentence);
      expect(message, name).not.to.match(/(?<![.\d])\d{16,}|raw units\)/);
    }
    // Without the token's decimals, a limit is said to be in the token's smallest units, in words.
    expect(
      decodeRevertData(encode(pledgesInterface, "LimitTooSmall", [1_500_000n, 2_000_000n])).message,
    ).to.equal(
      "The limit 1,500,000 is zero or below the campaign's minimum 2,000,000, in the token's smallest units (its decimals are not known here) (LimitTooSmall)",
    );
  });

  it("shows raw units and short ids without context", () => {
    const d = decodeRevertData(encode(allocatorInterface, "PoolTooSmall", [5n, 3n]));
    expect(d.message).to.equal(
      "The matching pool holds 3 raw units, less than the 5 raw units requested (PoolTooSmall)",
    );
    const u = decodeRevertData(encode(allocatorInterface, "UnknownGap", [GAP]));
    expect(u.message).to.equal(`Gap ${GAP.slice(0, 6)}…${GAP.slice(-4)} is not registered (UnknownGap)`);
  });

  it("formats times in UTC with seconds only when needed", () => {
    expect(formatUtc(0)).to.equal("1970-01-01 00:00 UTC");
    expect(formatUtc(1795284005n)).to.equal("2026-11-21 18:00:05 UTC");
  });

  it("decodes OpenZeppelin errors, reasons, panics, empty and unknown data", () => {
    const oz = new Interface([
      "error AccessControlUnauthorizedAccount(address account, bytes32 neededRole)",
      "error ERC20InsufficientAllowance(address spender, uint256 allowance, uint256 needed)",
      "error ERC2612ExpiredSignature(uint256 deadline)",
    ]);
    expect(
      decodeRevertData(encode(oz, "AccessControlUnauthorizedAccount", [ALICE, id("KEEPER_ROLE")])).message,
    ).to.equal(
      `${ALICE} does not have the KEEPER_ROLE needed for this call (AccessControlUnauthorizedAccount)`,
    );
    expect(
      decodeRevertData(encode(oz, "AccessControlUnauthorizedAccount", [ALICE, "0x" + "0".repeat(64)]))
        .message,
    ).to.contain("DEFAULT_ADMIN_ROLE");
    expect(
      decodeRevertData(encode(oz, "ERC20InsufficientAllowance", [ALICE, tokens("1"), tokens("2")]), ctx)
        .message,
    ).to.equal(
      `The allowance of ${ALICE} is 1 CFT but 2 CFT are needed (approve more) (ERC20InsufficientAllowance)`,
    );
    expect(decodeRevertData(encode(oz, "ERC2612ExpiredSignature", [0n])).message).to.equal(
      "The permit expired at 1970-01-01 00:00 UTC (ERC2612ExpiredSignature)",
    );

    const reason = "0x08c379a0" + coder.encode(["string"], ["nope"]).slice(2);
    expect(decodeRevertData(reason)).to.include({ kind: "reason", name: "Error", message: "Reverted: nope" });
    const panic = "0x4e487b71" + coder.encode(["uint256"], [0x11]).slice(2);
    expect(decodeRevertData(panic).message).to.equal(
      "The contract panicked: an arithmetic operation overflowed or underflowed (Panic 0x11)",
    );
    expect(decodeRevertData("0x").kind).to.equal("empty");
    const unknown = decodeRevertData("0xdeadbeef");
    expect(unknown.kind).to.equal("unknown");
    expect(unknown.message).to.contain("0xdeadbeef");
  });

  it("shows registered errors without a sentence generically, naming them", () => {
    const other = new Interface(["error CampaignNotOver(uint256 campaignId, uint64 deadline)"]);
    const data = encode(other, "CampaignNotOver", [7n, 123n]);
    expect(decodeRevertData(data).kind).to.equal("unknown");
    registerErrorAbi(other);
    expect(decodeRevertData(data).message).to.equal(
      "The contract rejected the call: CampaignNotOver(7, 123)",
    );
  });

  describe("generated error names (sdk/generated/error-names.ts)", () => {
    const STALE = "sdk/generated/error-names.ts does not match the compiled ABIs: run `npm run gen:errors`";
    const contracts = [
      { contract: "QuadraticFundingAllocator", label: "Allocator", fragments: ALLOCATOR_ERRORS },
      { contract: "CoordinatedPledges", label: "Pledges", fragments: PLEDGES_ERRORS },
    ] as const;

    /** The string literals of `export type <name> = "…" | …;` in the checked-in file. */
    async function unionOf(name: string): Promise<string[]> {
      const text = await readFile(new URL("../../sdk/generated/error-names.ts", import.meta.url), "utf8");
      const body = new RegExp(`export type ${name} =([^;]*);`).exec(text)?.[1];
      expect(body, `${name} in sdk/generated/error-names.ts`).to.be.a("string");
      return [...body!.matchAll(/"([^"]+)"/g)].map((m) => m[1]!).sort();
    }

    async function abiOf(contract: string): Promise<Interface> {
      return new Interface((await hre.artifacts.readArtifact(contract)).abi as InterfaceAbi);
    }

    it("lists exactly the errors and roles of the compiled ABIs", async () => {
      const allNames: string[] = [];
      const roles = new Set<string>();
      for (const { contract, label, fragments } of contracts) {
        const abi: ErrorFragment[] = [];
        const iface = await abiOf(contract);
        iface.forEachError((fragment) => abi.push(fragment));
        iface.forEachFunction((fn) => {
          if (fn.constant && fn.inputs.length === 0 && /_ROLE$/.test(fn.name)) roles.add(fn.name);
        });
        const names = [...new Set(abi.map((f) => f.name))].sort();
        allNames.push(...names);
        expect([...fragments].sort(), `${STALE} (${contract})`).to.deep.equal(
          abi.map((f) => f.format("full")).sort(),
        );
        expect(await unionOf(`${label}ErrorName`), STALE).to.deep.equal(names);
        expect(await unionOf(`${label}ErrorSignature`), STALE).to.deep.equal(
          abi.map((f) => f.format("sighash")).sort(),
        );
      }
      expect([...ROLE_NAMES].sort(), STALE).to.deep.equal([...roles].sort());
    });

    it("has exactly one sentence for every error of both contracts, in one file", () => {
      const tables: Record<string, Record<string, unknown>> = {
        "allocator.ts": ALLOCATOR_SENTENCES,
        "pledges.ts": PLEDGES_SENTENCES,
        "shared.ts": SHARED_SENTENCES,
        "libraries.ts": LIBRARY_SENTENCES,
      };
      const homes = new Map<string, string[]>();
      for (const [file, table] of Object.entries(tables)) {
        for (const signature of Object.keys(table))
          homes.set(signature, [...(homes.get(signature) ?? []), file]);
      }
      // No signature has two sentences, whether or not a cofund contract declares it.
      for (const [signature, files] of homes) expect(files, `${signature} defined in`).to.have.length(1);
      const signatures = (fragments: readonly string[]): Set<string> =>
        new Set(fragments.map((f) => ErrorFragment.from(f).format("sighash")));
      const allocator = signatures(ALLOCATOR_ERRORS);
      const pledges = signatures(PLEDGES_ERRORS);
      for (const signature of new Set([...allocator, ...pledges])) {
        expect(homes.get(signature), `sentence of ${signature}`).to.have.length(1);
      }
      // Each contract's file holds only errors of that contract alone; shared.ts those of both.
      for (const s of Object.keys(ALLOCATOR_SENTENCES))
        expect(allocator.has(s) && !pledges.has(s), s).to.equal(true);
      for (const s of Object.keys(PLEDGES_SENTENCES))
        expect(pledges.has(s) && !allocator.has(s), s).to.equal(true);
      for (const s of Object.keys(SHARED_SENTENCES))
        expect(allocator.has(s) && pledges.has(s), s).to.equal(true);
    });

    it("narrows a decoded cofund error's name to CofundErrorName", () => {
      const decoded = decodeRevertData(encode(allocatorInterface, "RoundNotOver", [1n, 0n]));
      expect(isCofundRevert(decoded)).to.equal(true);
      const name: CofundErrorName | undefined = isCofundRevert(decoded) ? decoded.name : undefined;
      expect(name).to.equal("RoundNotOver");
      const token = new Interface(["error ERC20InvalidSender(address sender)"]);
      expect(isCofundRevert(decodeRevertData(encode(token, "ERC20InvalidSender", [ALICE])))).to.equal(false);
      expect(isCofundRevert(decodeRevertData("0x"))).to.equal(false);
    });
  });

  describe("reverts thrown by a real chain (in-process network)", () => {
    it("finds and decodes the revert inside ethers/Hardhat errors", async () => {
      const [admin, other] = await ethers.getSigners();
      const token = await ethers.deployContract("TestToken", ["T", "T", 18]);
      const allocator = await ethers.deployContract("QuadraticFundingAllocator", [
        await token.getAddress(),
        3600,
        admin!.address,
      ]);
      const end = (await allocator.getRound(1)).endTime;

      let caught: unknown;
      try {
        await allocator.computeMatchingRound(0);
      } catch (error) {
        caught = error;
      }
      const decoded = decodeRevert(caught);
      expect(decoded?.name).to.equal("RoundNotOver");
      expect(decoded?.args).to.deep.equal([1n, end]);
      expect(describeError(caught)).to.equal(`Round 1 is still open until ${formatUtc(end)} (RoundNotOver)`);

      // Static calls (eth_call) and role errors bubble the same way.
      try {
        await allocator.connect(other!).computeMatchingRound.staticCall(0);
        expect.fail("should revert");
      } catch (error) {
        expect(decodeRevert(error)?.name).to.equal("AccessControlUnauthorizedAccount");
      }
      // A revert inside the token (ERC20InsufficientAllowance) while contributing.
      await allocator.registerGap(GAP, admin!.address, "");
      await token.mint(admin!.address, 10n);
      try {
        await allocator.contributeToGap(GAP, 10n);
        expect.fail("should revert");
      } catch (error) {
        expect(describeError(error, ctx)).to.match(/\(ERC20InsufficientAllowance\)$/);
      }
    });

    it("leaves other errors alone", () => {
      expect(decodeRevert(new Error("socket hang up"))).to.equal(undefined);
      expect(describeError(new Error("socket hang up\nmore"))).to.equal("socket hang up");
      const wrapped = new ContractRevertError(decodeRevertData(encode(allocatorInterface, "ZeroAmount", [])));
      expect(decodeRevert(wrapped)?.name).to.equal("ZeroAmount");
      expect(describeError({ code: "INSUFFICIENT_FUNDS" })).to.contain("insufficient funds");
    });

    it("says a request refused in a browser wallet was rejected there (EIP-1193 4001, ethers' ACTION_REJECTED)", () => {
      const provider = Object.assign(new Error("User rejected the request."), { code: 4001 });
      const ethersError = Object.assign(new Error('user rejected action (action="sendTransaction", …)'), {
        code: "ACTION_REJECTED",
        shortMessage: "user rejected action",
      });
      for (const e of [provider, ethersError])
        expect(describeError(e)).to.equal("The request was rejected in the wallet");
    });
  });
});
