/**
 * NatSpec gate (`npm run lint:natspec`, part of `npm run lint`): builds the contracts (tests are not
 * needed), reads the compiler's AST of every product source (contracts/, mocks excluded) from
 * Hardhat's build info and fails when documentation is missing.
 *
 * Rules, per contract, interface and library:
 * - the unit itself has a @title or @notice;
 * - every external or public function (and every function of a library) has @notice — or
 *   @inheritdoc, which pulls the interface's documentation — and, unless inherited, a @param for each
 *   named parameter and one @return per return value;
 * - every public state variable or constant has @notice (or @inheritdoc);
 * - every event and custom error has @notice.
 * Prints one line per finding; exits non-zero when there is any.
 */
import * as fs from "node:fs/promises";
import hre from "hardhat";

interface DocNode {
  text?: string;
}
interface VarNode {
  name: string;
}
interface AstNode {
  nodeType: string;
  name?: string;
  kind?: string;
  contractKind?: string;
  visibility?: string;
  stateVariable?: boolean;
  documentation?: DocNode | string | null;
  parameters?: { parameters: VarNode[] };
  returnParameters?: { parameters: VarNode[] };
  nodes?: AstNode[];
  src?: string;
}

interface Finding {
  where: string;
  what: string;
}

function docText(node: AstNode): string {
  const d = node.documentation;
  if (d === undefined || d === null) return "";
  return typeof d === "string" ? d : (d.text ?? "");
}

/** Tags present in a NatSpec text; untagged leading text counts as @notice (as solc treats it). */
function tags(text: string): { notice: boolean; inherit: boolean; params: Set<string>; returns: number } {
  const params = new Set<string>();
  let returns = 0;
  const trimmed = text.trim();
  const notice = /@notice\s+\S/.test(text) || (trimmed.length > 0 && !trimmed.startsWith("@"));
  for (const m of text.matchAll(/@param\s+(\w+)/g)) params.add(m[1]);
  for (const _ of text.matchAll(/@return\b/g)) returns++;
  return {
    notice: notice || /@title\s+\S/.test(text),
    inherit: /@inheritdoc\s+\S/.test(text),
    params,
    returns,
  };
}

function checkUnit(unit: AstNode, file: string, out: Finding[]): void {
  const unitName = `${file}:${unit.name ?? "?"}`;
  if (!tags(docText(unit)).notice) out.push({ where: unitName, what: "has no @title or @notice" });
  const isLibrary = unit.contractKind === "library";
  for (const n of unit.nodes ?? []) {
    const where = `${unitName}.${n.name ?? n.kind ?? n.nodeType}`;
    const t = tags(docText(n));
    if (n.nodeType === "FunctionDefinition") {
      if (n.kind !== "function") continue; // constructors, receive and fallback are documented in prose
      const exposed = n.visibility === "external" || n.visibility === "public";
      if (!exposed && !(isLibrary && n.visibility === "internal")) continue;
      if (t.inherit) continue;
      if (!t.notice) out.push({ where, what: "has no @notice" });
      for (const p of n.parameters?.parameters ?? []) {
        if (p.name !== "" && !t.params.has(p.name)) out.push({ where, what: `has no @param ${p.name}` });
      }
      const nReturns = n.returnParameters?.parameters.length ?? 0;
      if (t.returns < nReturns)
        out.push({ where, what: `documents ${t.returns} of ${nReturns} return value(s)` });
    } else if (n.nodeType === "VariableDeclaration" && n.visibility === "public") {
      if (!t.notice && !t.inherit) out.push({ where, what: "is public without @notice" });
    } else if (n.nodeType === "EventDefinition" || n.nodeType === "ErrorDefinition") {
      if (!t.notice) out.push({ where, what: "has no @notice" });
    }
  }
}

/** The solc output sources of one Hardhat 3 build info, keyed by input source name. */
type OutputSources = Record<string, { ast?: AstNode } | undefined>;

async function main(): Promise<void> {
  await hre.tasks.getTask("build").run({ quiet: true, noTests: true });
  // One artifact per product source: its build info holds the AST of the whole source unit.
  const sources = new Map<string, string>();
  for (const fqn of [...(await hre.artifacts.getAllFullyQualifiedNames())].sort()) {
    const source = fqn.slice(0, fqn.lastIndexOf(":"));
    if (!source.startsWith("contracts/") || source.startsWith("contracts/mocks/")) continue;
    if (!sources.has(source)) sources.set(source, fqn);
  }
  const outputs = new Map<string, OutputSources>();
  const findings: Finding[] = [];
  let units = 0;
  for (const [source, fqn] of [...sources].sort(([a], [b]) => a.localeCompare(b))) {
    const artifact = await hre.artifacts.readArtifact(fqn);
    const buildInfoId = artifact.buildInfoId ?? (await hre.artifacts.getBuildInfoId(fqn));
    const outputPath =
      buildInfoId === undefined ? undefined : await hre.artifacts.getBuildInfoOutputPath(buildInfoId);
    if (buildInfoId === undefined || outputPath === undefined) {
      throw new Error(`no build info for ${source}: run \`npx hardhat build --force\``);
    }
    let output = outputs.get(buildInfoId);
    if (output === undefined) {
      const parsed = JSON.parse(await fs.readFile(outputPath, "utf8")) as {
        output?: { sources?: OutputSources };
      };
      output = parsed.output?.sources ?? {};
      outputs.set(buildInfoId, output);
    }
    const ast = output[artifact.inputSourceName ?? source]?.ast;
    if (ast === undefined) throw new Error(`no AST for ${source}: run \`npx hardhat build --force\``);
    for (const unit of ast.nodes ?? []) {
      if (unit.nodeType !== "ContractDefinition") continue;
      units++;
      checkUnit(unit, source, findings);
    }
  }
  for (const f of findings) console.error(`natspec: ${f.where} ${f.what}`);
  if (findings.length > 0) {
    console.error(`natspec: ${findings.length} finding(s)`);
    process.exitCode = 1;
  } else {
    console.log(`natspec: ${units} contracts, interfaces and libraries fully documented`);
  }
}

await main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
