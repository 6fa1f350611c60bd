/**
 * The project's own Hardhat plugin: resilient JSON-RPC for every network connection
 * (tasks/plugin/network-hooks.ts).
 */
import type { HardhatPlugin } from "hardhat/types/plugins";

const cofundPlugin: HardhatPlugin = {
  id: "cofund",
  hookHandlers: {
    network: () => import("./network-hooks"),
  },
};

export default cofundPlugin;
