/**
 * `npm run lint:shape`: the SDK stays readable — no file in sdk/ over 500 lines (generated code
 * excepted) and no function in sdk/ or tasks/ over 120 lines. Prints each offender and exits 1.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";

const ROOT = path.resolve(import.meta.dirname, "..");
const MAX_FILE = 500;
const MAX_FUNCTION = 120;

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) return d.name === "dist" || d.name === "generated" ? [] : files(p);
    return d.name.endsWith(".ts") && !d.name.endsWith(".d.ts") ? [p] : [];
  });
}

const problems: string[] = [];
for (const area of ["sdk", "tasks"]) {
  for (const file of files(path.join(ROOT, area))) {
    const text = fs.readFileSync(file, "utf8");
    const rel = path.relative(ROOT, file);
    const lines = text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
    if (area === "sdk" && lines > MAX_FILE) problems.push(`${rel}: ${lines} lines (at most ${MAX_FILE})`);
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (ts.isFunctionLike(node) && "body" in node && node.body !== undefined) {
        const start = source.getLineAndCharacterOfPosition(node.getStart()).line;
        const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
        if (end - start + 1 > MAX_FUNCTION) {
          const name = node.name !== undefined ? node.name.getText() : "(anonymous)";
          problems.push(
            `${rel}:${start + 1}: function ${name} is ${end - start + 1} lines (at most ${MAX_FUNCTION})`,
          );
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
}
for (const p of problems) console.error(p);
if (problems.length > 0) process.exit(1);
console.log(`shape: sdk/ files ≤ ${MAX_FILE} lines, sdk/ and tasks/ functions ≤ ${MAX_FUNCTION} lines`);
