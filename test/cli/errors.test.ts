/**
 * One readable line for errors of the machine itself (file system), as tasks/_cli.ts prints them:
 * what could not be done, where and why, never a raw Node code ("EEXIST: file already exists …").
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import hre from "hardhat";
import { describeCliError } from "../../tasks/_cli";

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return expect.fail("expected an error");
}

describe("CLI errors of the file system", () => {
  it("are one line naming the operation, the path and why, without raw codes", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cofund-cli-errors-"));
    try {
      const file = path.join(dir, "a-file");
      fs.writeFileSync(file, "x");
      const cases: [unknown, RegExp][] = [
        [thrown(() => fs.mkdirSync(file)), /^Cannot mkdir .+a-file: a file is in the way$/],
        [
          thrown(() => fs.writeFileSync(path.join(file, "x.csv"), "")),
          /^Cannot open .+x\.csv: a part of the path is a file, not a directory$/,
        ],
        [
          thrown(() => fs.readFileSync(path.join(dir, "missing"))),
          /^Cannot open .+missing: no such file or directory$/,
        ],
      ];
      for (const [error, pattern] of cases) {
        const line = await describeCliError(hre, error);
        expect(line).to.match(pattern);
        expect(line).to.not.match(/E[A-Z]{3,}/);
        expect(line.split("\n")).to.have.length(1);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
