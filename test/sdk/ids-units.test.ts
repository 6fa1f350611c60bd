import { expect } from "chai";
import { createHash } from "crypto";
import { keccak256 } from "ethers";
import { GapIdError, GapNames, gapIdFromName, isBytes32, shortHex, toGapId } from "../../sdk/ids";
import {
  AmountError,
  formatUnitsDisplay,
  formatUnitsExact,
  parseUnitsExact,
  toNormalized,
} from "../../sdk/units";

describe("sdk/ids", () => {
  it("hashes a name as keccak256 of its UTF-8 bytes", () => {
    // Known vector: keccak256("") and keccak256("abc") (Ethereum Keccak, not SHA3-256).
    expect(keccak256(new Uint8Array())).to.equal(
      "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470",
    );
    expect(gapIdFromName("abc")).to.equal(
      "0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45",
    );
    // UTF-8, not UTF-16: "é" is the two bytes c3 a9.
    expect(gapIdFromName("é")).to.equal(keccak256(Uint8Array.from([0xc3, 0xa9])));
    // Not SHA3-256 by mistake.
    expect(gapIdFromName("abc")).to.not.equal("0x" + createHash("sha3-256").update("abc").digest("hex"));
  });

  it("passes a bytes32 through (lowercased) and hashes anything else", () => {
    const id = "0x" + "AB".repeat(32);
    expect(isBytes32(id)).to.equal(true);
    expect(toGapId(id)).to.equal(id.toLowerCase());
    expect(toGapId("clean-water")).to.equal(gapIdFromName("clean-water"));
    expect(toGapId(" spaced ")).to.equal(gapIdFromName(" spaced ")); // names are used verbatim
  });

  it("rejects empty names, short hex ids and the zero id", () => {
    expect(() => toGapId("")).to.throw(GapIdError, /empty/);
    expect(() => toGapId("0x1234")).to.throw(GapIdError, /not 32 bytes/);
    expect(() => toGapId("0x" + "0".repeat(64))).to.throw(GapIdError, /zero/);
  });

  it("remembers names for display", () => {
    const names = new GapNames();
    const id = names.add("oceans");
    expect(names.nameOf(id.toUpperCase().replace("0X", "0x"))).to.equal("oceans");
    expect(names.label(id)).to.equal("oceans");
    expect(names.label("0x" + "12".repeat(32))).to.equal("0x1212…1212");
    expect(shortHex("0x1234")).to.equal("0x1234");
  });
});

describe("sdk/units", () => {
  it("parses decimal strings exactly", () => {
    expect(parseUnitsExact("12.5", 18)).to.equal(12_500_000_000_000_000_000n);
    expect(parseUnitsExact("0.000000000000000001", 18)).to.equal(1n);
    expect(parseUnitsExact("1_000.25", 6)).to.equal(1_000_250_000n);
    expect(parseUnitsExact(".5", 1)).to.equal(5n);
    expect(parseUnitsExact("7.", 2)).to.equal(700n);
    expect(parseUnitsExact("3.1400", 2)).to.equal(314n); // trailing zeros beyond precision are fine
    expect(parseUnitsExact("42", 0)).to.equal(42n);
    // A value no double can hold exactly.
    expect(parseUnitsExact("123456789012345678901234567890.123456789012345678", 18)).to.equal(
      123456789012345678901234567890123456789012345678n,
    );
  });

  it("rejects negatives, too many decimals, junk and overflow", () => {
    expect(() => parseUnitsExact("-1", 18)).to.throw(AmountError, /negative/);
    expect(() => parseUnitsExact("0.0000001", 6)).to.throw(AmountError, /more than 6 decimal places/);
    expect(() => parseUnitsExact("1.5", 0)).to.throw(AmountError, /more than 0 decimal places/);
    for (const junk of ["", "abc", "1e18", "1.2.3", "+1", "0x10", " . "]) {
      expect(() => parseUnitsExact(junk, 18), junk).to.throw(AmountError);
    }
    expect(() => parseUnitsExact((2n ** 256n).toString(), 0)).to.throw(AmountError, /uint256/);
    expect(() => parseUnitsExact("1", 78)).to.throw(AmountError, /decimals/);
  });

  it("formats raw units without trailing zeros and round-trips", () => {
    expect(formatUnitsExact(12_500_000_000_000_000_000n, 18)).to.equal("12.5");
    expect(formatUnitsExact(0n, 18)).to.equal("0");
    expect(formatUnitsExact(1n, 18)).to.equal("0.000000000000000001");
    expect(formatUnitsExact(-1500n, 3)).to.equal("-1.5");
    for (const s of ["0", "1", "0.1", "99999999999.999999", "31.000001"]) {
      expect(formatUnitsExact(parseUnitsExact(s, 6), 6)).to.equal(s);
    }
  });

  it("formats for display, rounding down", () => {
    expect(formatUnitsDisplay(1_234_567_899n * 10n ** 12n, 18, 2)).to.equal("1,234.56");
    expect(formatUnitsDisplay(10n ** 24n, 18)).to.equal("1,000,000");
    expect(formatUnitsDisplay(1n, 18)).to.equal("<0.0001");
    expect(formatUnitsDisplay(0n, 18)).to.equal("0");
  });

  it("normalises to 18 decimals", () => {
    expect(toNormalized(1_500_000n, 6)).to.equal(1_500_000_000_000_000_000n);
    expect(() => toNormalized(1n, 19)).to.throw(AmountError);
  });
});
