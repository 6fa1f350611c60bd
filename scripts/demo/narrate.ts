/** Small helpers for the demo's narrated output (shared by every section of `npm run demo`). */

/** A section title. */
export function section(title: string): void {
  console.log("");
  console.log(`━━ ${title} ${"━".repeat(Math.max(0, 76 - title.length))}`);
}

/** A line of narration. */
export function say(text = ""): void {
  console.log(text === "" ? "" : `  ${text}`);
}

/** An indented detail line. */
export function detail(text: string): void {
  console.log(`    ${text}`);
}

/** "0x1234…abcd" for addresses in narration. */
export function short(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}
