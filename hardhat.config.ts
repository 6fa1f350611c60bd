import * as fs from "fs";
import * as path from "path";
import { HardhatUserConfig, subtask } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import "@nomicfoundation/hardhat-toolbox";

/** The one compiler version of this project, served from the `solc` npm package (never downloaded). */
const SOLC_VERSION = "0.8.28";

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }, _hre, runSuper) => {
  if (args.solcVersion !== SOLC_VERSION) return runSuper();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc") as { version(): string };
  return {
    compilerPath: require.resolve("solc/soljson.js"),
    isSolcJs: true,
    version: SOLC_VERSION,
    longVersion: solc.version(),
  };
});

// Every file in tasks/ registers its CLI tasks. Task files import nothing generated at load time
// (typechain-types is imported lazily inside actions), so the config loads on a fresh clone.
const tasksDir = path.join(__dirname, "tasks");
for (const file of fs.existsSync(tasksDir) ? fs.readdirSync(tasksDir).sort() : []) {
  if (/\.ts$/.test(file) && !file.endsWith(".d.ts") && !file.startsWith("_")) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(path.join(tasksDir, file));
  }
}

const accounts = process.env.PRIVATE_KEY ? [process.env.PRIVATE_KEY] : [];

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      evmVersion: "cancun",
      optimizer: { enabled: true, runs: 5000 },
    },
  },
  paths: {
    ignition: "./deploy",
  },
  networks: {
    hardhat: {
      // Large pledge campaigns settle in pages; each page stays under the EIP-7825 cap.
      blockGasLimit: 60_000_000,
      allowUnlimitedContractSize: false,
    },
    localhost: {
      url: process.env.LOCALHOST_URL ?? "http://127.0.0.1:8545",
    },
    ...(process.env.RPC_URL
      ? {
          custom: {
            url: process.env.RPC_URL,
            accounts,
          },
        }
      : {}),
  },
  typechain: {
    outDir: "typechain-types",
    target: "ethers-v6",
  },
  gasReporter: {
    enabled: process.env.REPORT_GAS === "true",
    offline: true,
  },
  mocha: {
    timeout: 300_000,
  },
};

export default config;
