// npm skips an optional dependency whose `engines` the running Node does not satisfy. `npm ci` on a
// machine with Node 20 therefore leaves out the native packages that need Node 22 (Hardhat's EDR
// binding for this platform). This hook runs with node_modules/.bin first on PATH, i.e. under the
// pinned Node 22: when such a package is missing it asks npm, now under Node 22, to complete the
// tree from the lockfile (scripts off, lockfile unchanged).
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const major = Number(process.versions.node.split(".")[0]);

function edrLoads() {
  try {
    require("@nomicfoundation/edr");
    return true;
  } catch {
    return false;
  }
}

if (process.env.COFUND_POSTINSTALL !== "1" && !edrLoads()) {
  if (major < 22) {
    console.error(`postinstall: Node ${process.version} found first on PATH; the pinned Node 22 is missing`);
    process.exit(1);
  }
  console.log(`postinstall: completing native packages for Node ${process.version} (npm skipped them under an older Node)`);
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--ignore-scripts", "--no-save"], {
    stdio: "inherit",
    env: { ...process.env, COFUND_POSTINSTALL: "1" },
  });
  if (!edrLoads()) {
    console.error("postinstall: Hardhat's native EDR binding still does not load");
    process.exit(1);
  }
}
