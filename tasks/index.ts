/**
 * cofund's CLI tasks (`npx hardhat qf:… | cqf:… | keeper | audit`). Each file declares its tasks with
 * `cliTask(…)`; importing them fills `cliTaskDefinitions`, which hardhat.config.ts registers. Task
 * files import only types and tasks/_cli.ts at load time: the SDK and the generated contract types
 * load inside actions, so the config loads on a fresh clone and Hardhat starts fast.
 */
import "./qf";
import "./cqf";
import "./keeper";
import "./audit";
import "./indexer";

export { cliTaskDefinitions as cliTasks } from "./_cli";
