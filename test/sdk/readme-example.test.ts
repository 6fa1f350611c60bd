/**
 * README's SDK example, as written: the first ```ts block of its "## SDK" section is extracted,
 * type-checked by `tsc` against the SDK (strict, as this project compiles) and run against the
 * in-process chain after a deployment with a gap named "open-dataset". It imports the package name
 * `@cofund/sdk`, which resolves here to sdk/index.ts through tsconfig.json's `paths` (for `tsc` and
 * for tsx, which runs the tests); test/sdk/package.test.ts checks the built package itself.
 */
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import hre from "hardhat";
import type { Signer } from "ethers";
import { deployCofund } from "../../deploy/deploy-cofund";
import { AllocatorClient } from "../../sdk/allocator";
import { clearRegisteredDeployments } from "../../sdk/deployments";
import { connection, ethers } from "../helpers/chain";
import { ROOT } from "../helpers/local-node";

/** The README's SDK snippet: its import lines and its body. */
function readmeSnippet(): { imports: string[]; body: string[] } {
  const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("\n## SDK\n"));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  if (match === null) throw new Error("README's SDK section has no ```ts block");
  const lines = match[1]!.trimEnd().split("\n");
  return {
    imports: lines.filter((l) => l.startsWith("import ")),
    body: lines.filter((l) => !l.startsWith("import ")),
  };
}

describe("README's SDK example", function () {
  this.timeout(120_000);
  const file = path.join(ROOT, `readme-example.${process.pid}.tmp.ts`);

  before(() => {
    const { imports, body } = readmeSnippet();
    // `signer` is the reader's; the snippet's last value is returned so the test can look at it.
    const source = [
      ...imports,
      'import type { Signer } from "ethers";',
      "",
      "export async function run(signer: Signer) {",
      ...body.map((l) => "  " + l),
      "  return { d, qf, stats };",
      "}",
      "",
    ].join("\n");
    fs.writeFileSync(file, source);
  });

  after(() => {
    fs.rmSync(file, { force: true });
    clearRegisteredDeployments();
  });

  it("imports the SDK by its package name", () => {
    const { imports } = readmeSnippet();
    expect(imports).to.have.length.greaterThan(0);
    for (const line of imports) expect(line).to.match(/ from "@cofund\/sdk";$/);
  });

  it("type-checks against the SDK as written", () => {
    const config = path.join(ROOT, `tsconfig.readme-example.${process.pid}.tmp.json`);
    fs.writeFileSync(
      config,
      JSON.stringify({ extends: "./tsconfig.json", include: [path.basename(file), "typechain-types"] }),
    );
    try {
      execFileSync(path.join(ROOT, "node_modules", ".bin", "tsc"), ["-p", config], {
        cwd: ROOT,
        stdio: "pipe",
      });
    } catch (e) {
      const out = e as { stdout?: Buffer; stderr?: Buffer };
      throw new Error(
        `README's SDK example does not compile:\n${String(out.stdout ?? "")}${String(out.stderr ?? "")}`,
        { cause: e },
      );
    } finally {
      fs.rmSync(config, { force: true });
    }
  });

  it("runs as written: contributes 12.5 to open-dataset and reads the stats", async () => {
    const [signer] = await ethers.getSigners();
    await deployCofund(hre, { connection });
    const deployed = await (
      await import("../../sdk/deployments")
    ).findDeployment({
      network: connection.networkName,
      provider: ethers.provider,
    });
    await (
      await AllocatorClient.connect(deployed.allocator!, signer!)
    ).registerGap("open-dataset", signer!.address);
    const { run } = (await import(file)) as {
      run: (s: Signer) => Promise<{ stats: unknown; qf: AllocatorClient }>;
    };
    const { stats, qf } = await run(signer!);
    const gaps = (stats as { gaps: { gapId: string; directTotal: bigint }[] }).gaps;
    const gap = gaps.find((g) => g.gapId === qf.gapId("open-dataset"));
    expect(gap?.directTotal).to.equal(qf.parseAmount("12.5"));
  });
});
