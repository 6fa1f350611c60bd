/**
 * The SDK as a package (sdk/package.json, `npm run build:sdk`): built by scripts/build-sdk.mjs into a
 * temporary directory, packed with `npm pack`, installed into a TypeScript project outside the
 * repository (os.tmpdir()) that is NOT strict, compiles with `module: nodenext` and runs under Node.
 * The project has only the pack and links to this repository's ethers and @types/node: it sees
 * neither Hardhat, nor typechain-types/, nor artifacts/, and nothing is downloaded.
 */
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ROOT } from "../helpers/local-node";

/** A consumer of the public API: pure calls whose results it prints as JSON. */
const CONSUMER = `import { Interface, keccak256, toUtf8Bytes } from "ethers";
import {
  AllocatorClient,
  PledgesClient,
  decodeRevertData,
  describeError,
  formatUnitsExact,
  gapIdFromName,
  parseUnitsExact,
  pledgesMath,
  qfMath,
} from "@cofund/sdk";

let client: AllocatorClient | PledgesClient | undefined;
const raw = parseUnitsExact("12.5", 6);
const iface = new Interface(["error RoundNotOver(uint256 round, uint256 endsAt)"]);
const data = iface.encodeErrorResult("RoundNotOver", [3n, 1795284000n]);
console.log(
  JSON.stringify({
    clients: [typeof AllocatorClient.connect, typeof PledgesClient.connect, client === undefined],
    gapId: gapIdFromName("open-dataset"),
    expectedGapId: keccak256(toUtf8Bytes("open-dataset")),
    raw: raw.toString(),
    formatted: formatUnitsExact(raw, 6),
    saturationAtOne: pledgesMath.saturation(10n ** 18n, 10n ** 18n).toString(),
    aUnit: pledgesMath.A_UNIT.toString(),
    capRaw: qfMath.capRaw(1000n, 2500n).toString(),
    decoded: decodeRevertData(data).message,
    described: describeError({ data }),
  }),
);
`;

function run(file: string, args: string[], cwd: string): string {
  try {
    return execFileSync(file, args, { cwd, stdio: "pipe", encoding: "utf8" });
  } catch (e) {
    const out = e as { stdout?: string; stderr?: string };
    throw new Error(
      `${path.basename(file)} ${args.join(" ")} failed:\n${out.stdout ?? ""}${out.stderr ?? ""}`,
      {
        cause: e,
      },
    );
  }
}

describe("SDK package (@cofund/sdk)", function () {
  this.timeout(180_000);
  let tmp: string;
  let output: Record<string, unknown>;

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cofund-sdk-"));
    const pkg = path.join(tmp, "pkg");
    run(process.execPath, [path.join(ROOT, "scripts", "build-sdk.mjs"), path.join(pkg, "dist")], ROOT);
    fs.copyFileSync(path.join(ROOT, "sdk", "package.json"), path.join(pkg, "package.json"));
    const packed = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", tmp], pkg)) as {
      filename: string;
    }[];

    const app = path.join(tmp, "app");
    const modules = path.join(app, "node_modules");
    fs.mkdirSync(path.join(modules, "@cofund"), { recursive: true });
    fs.mkdirSync(path.join(modules, "@types"));
    run("tar", ["xzf", path.join(tmp, packed[0]!.filename), "-C", path.join(modules, "@cofund")], app);
    fs.renameSync(path.join(modules, "@cofund", "package"), path.join(modules, "@cofund", "sdk"));
    fs.symlinkSync(path.join(ROOT, "node_modules", "ethers"), path.join(modules, "ethers"), "dir");
    fs.symlinkSync(
      path.join(ROOT, "node_modules", "@types", "node"),
      path.join(modules, "@types", "node"),
      "dir",
    );
    fs.writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "consumer", type: "module" }));
    fs.writeFileSync(
      path.join(app, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: false,
          module: "nodenext",
          moduleResolution: "nodenext",
          target: "es2022",
          types: ["node"],
          outDir: "out",
        },
        files: ["main.ts"],
      }),
    );
    fs.writeFileSync(path.join(app, "main.ts"), CONSUMER);
    run(path.join(ROOT, "node_modules", ".bin", "tsc"), ["-p", "."], app);
    output = JSON.parse(run(process.execPath, [path.join("out", "main.js")], app)) as Record<string, unknown>;
  });

  after(() => {
    if (tmp !== undefined) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("packs the bundle and the declarations, nothing that needs Hardhat", () => {
    const dist = path.join(tmp, "app", "node_modules", "@cofund", "sdk", "dist");
    expect(fs.existsSync(path.join(dist, "index.js"))).to.equal(true);
    expect(fs.existsSync(path.join(dist, "types", "sdk", "index.d.ts"))).to.equal(true);
    const bundle = fs.readFileSync(path.join(dist, "index.js"), "utf8");
    const bare = [...bundle.matchAll(/\bfrom\s+"([^"./][^"]*)"|\bimport\(\s*"([^"./][^"]*)"\s*\)/g)].map(
      (m) => m[1] ?? m[2],
    );
    expect([...new Set(bare)].sort()).to.deep.equal(["ethers", "node:fs", "node:path"]);
  });

  it("compiles in a non-strict nodenext project and runs the public API under Node", () => {
    expect(output.clients).to.deep.equal(["function", "function", true]);
    expect(output.gapId).to.equal(output.expectedGapId);
    expect(output.raw).to.equal("12500000");
    expect(output.formatted).to.equal("12.5");
    // PledgeMath.saturation at x = h·s = 1: (2/π)·atan(1) = 1/2, to within 1e-18 of A_UNIT.
    const halfError = BigInt(output.saturationAtOne as string) - BigInt(output.aUnit as string) / 2n;
    expect(halfError >= -(10n ** 18n) && halfError <= 10n ** 18n).to.equal(true);
    expect(output.capRaw).to.equal("250");
    const sentence = "Round 3 is still open until 2026-11-21 18:00 UTC (RoundNotOver)";
    expect(output.decoded).to.equal(sentence);
    expect(output.described).to.equal(sentence);
  });
});
