/**
 * Fails with one line when cofund runs under a Node.js older than it supports. `npm run …` and
 * `npx …` put the pinned Node 22 LTS (the `node` devDependency) first on PATH, so this only fires
 * when a script is started with another Node directly.
 */
const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 10)) {
  process.stderr.write(
    `cofund needs Node.js >= 22.10 but this is ${process.version}: run it through "npm run …" or "npx …" ` +
      `(they use the pinned Node 22 in node_modules/.bin) or install Node 22 LTS (.nvmrc)\n`,
  );
  process.exit(1);
}
export {};
