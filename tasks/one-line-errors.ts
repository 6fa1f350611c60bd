/**
 * Hardhat reports a mistyped or missing option in three lines (the error, a blank line, a link).
 * For cofund's own tasks the CLI promises one readable line on stderr: when the command line names
 * one of them, Hardhat's error report is folded into its first line. Imported by hardhat.config.ts,
 * which Hardhat loads before it parses the task's options.
 */

/** Whether a command line runs one of cofund's tasks. */
export function namesCofundTask(argv: readonly string[]): boolean {
  return argv.some((a) => /^(qf|cqf):[a-z:-]+$/.test(a) || a === "keeper" || a === "audit");
}

// eslint-disable-next-line no-control-regex -- ANSI colour codes start with ESC
const ANSI = /\x1b\[[0-9;]*m/g;

/** Folds Hardhat's multi-line error reports into one line each (see the file comment). */
export function foldHardhatErrors(): void {
  const original = console.error.bind(console);
  let folding = false;
  console.error = (...args: unknown[]): void => {
    const text = args
      .map((a) => (typeof a === "string" ? a : a instanceof Error ? a.message : String(a)))
      .join(" ");
    const plain = text.replace(ANSI, "");
    if (/^(Error HHE\d+|Error)( in plugin [^:]+)?:/.test(plain)) {
      folding = true;
      original(plain.replace(/\s*\n\s*/g, " "));
      return;
    }
    // After Hardhat's error line comes only its report (a blank line, a link, or — on CI, where
    // Hardhat shows stack traces by default — the error object itself): the process then exits.
    if (folding) return;
    original(...args);
  };
}

if (namesCofundTask(process.argv.slice(2)) && process.env.COFUND_DEBUG === undefined) foldHardhatErrors();
