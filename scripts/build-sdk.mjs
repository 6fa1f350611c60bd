// Builds the SDK package (`npm run build:sdk`; sdk/package.json names it @cofund/sdk) into sdk/dist,
// or into the directory given as the first argument:
//   dist/index.js     one ESM bundle of sdk/index.ts and the TypeChain factories it uses (ethers external)
//   dist/types/       declarations: dist/types/sdk/index.d.ts and the TypeChain types it references
// The built package needs nothing from Hardhat, typechain-types/ or artifacts/; building it needs
// typechain-types/ (`hardhat build` makes it). Relative imports in the declarations get explicit
// `.js` / `/index.js` endings, so a consumer with `module: nodenext` resolves them as Node does.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { build } from "esbuild";

const ROOT = path.resolve(import.meta.dirname, "..");
const SDK = path.join(ROOT, "sdk");
const outDir = path.resolve(process.argv[2] ?? path.join(SDK, "dist"));

if (!fs.existsSync(path.join(ROOT, "typechain-types", "index.ts"))) {
  console.error("build-sdk: typechain-types/ is missing; run `npx hardhat build` first");
  process.exit(1);
}
fs.rmSync(outDir, { recursive: true, force: true });

await build({
  entryPoints: [path.join(SDK, "index.ts")],
  outfile: path.join(outDir, "index.js"),
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: ["ethers"],
  logLevel: "warning",
});

const typesDir = path.join(outDir, "types");
execFileSync(
  path.join(ROOT, "node_modules", ".bin", "tsc"),
  ["-p", path.join(SDK, "tsconfig.build.json"), "--outDir", typesDir],
  { cwd: ROOT, stdio: "inherit" },
);

/** `./x` → `./x.js`, or `./x/index.js` when x is a folder of the emitted declarations. */
function withExtension(fromFile, specifier) {
  if (/\.js$/.test(specifier)) return specifier;
  const target = path.resolve(path.dirname(fromFile), specifier);
  if (fs.existsSync(`${target}.d.ts`)) return `${specifier}.js`;
  if (fs.existsSync(path.join(target, "index.d.ts"))) return `${specifier}/index.js`;
  throw new Error(`build-sdk: ${path.relative(typesDir, fromFile)} imports ${specifier}, which was not emitted`);
}

for (const entry of fs.readdirSync(typesDir, { recursive: true })) {
  const file = path.join(typesDir, String(entry));
  if (!file.endsWith(".d.ts")) continue;
  const text = fs.readFileSync(file, "utf8");
  const fixed = text.replace(
    /(from\s+|import\s*\(\s*|import\s+)(["'])(\.\.?\/[^"']*)\2/g,
    (_m, lead, quote, spec) => `${lead}${quote}${withExtension(file, spec)}${quote}`,
  );
  if (fixed !== text) fs.writeFileSync(file, fixed);
}
console.log(`build-sdk: ${path.relative(ROOT, outDir) || "."} (index.js, types/)`);
