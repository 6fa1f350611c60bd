/**
 * Gap ids. On chain a gap is a `bytes32`; people name gaps. A name maps to keccak256(utf8(name)); a
 * 0x-prefixed 32-byte hex string is taken as the id itself.
 */
import { keccak256, toUtf8Bytes } from "ethers";

/** A gap as users give it: a name ("clean-water-data") or a 0x-prefixed bytes32 id. */
export type GapRef = string;

/** Thrown for a gap reference that is neither a usable name nor a bytes32. */
export class GapIdError extends Error {
  override readonly name = "GapIdError";
}

const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
const ZERO_ID = "0x" + "0".repeat(64);

/** Whether `value` is a 0x-prefixed 32-byte hex string. */
export function isBytes32(value: string): boolean {
  return BYTES32.test(value);
}

/** keccak256(utf8(name)) as lowercase 0x hex. The name is used exactly as given (no trimming). */
export function gapIdFromName(name: string): string {
  if (name.length === 0) throw new GapIdError("A gap name cannot be empty");
  return keccak256(toUtf8Bytes(name));
}

/**
 * Resolves a gap reference to its bytes32 id (lowercase 0x hex): a bytes32 passes through, anything
 * else is hashed as a name. Strings that look like an id but are not 32 bytes ("0x1234") are
 * rejected instead of silently hashed, and so is the zero id (the contract rejects it too).
 */
export function toGapId(ref: GapRef): string {
  if (isBytes32(ref)) {
    const id = ref.toLowerCase();
    if (id === ZERO_ID) throw new GapIdError("The gap id cannot be zero");
    return id;
  }
  if (/^0x[0-9a-fA-F]*$/.test(ref)) {
    throw new GapIdError(
      `"${ref}" looks like a hex id but is not 32 bytes (64 hex digits); pass a 0x bytes32 id or a name`,
    );
  }
  return gapIdFromName(ref);
}

/** Remembers names seen by the caller so ids can be shown as names again (e.g. in tables). */
export class GapNames {
  private readonly byId = new Map<string, string>();

  /** Records `name` and returns its id. */
  add(name: string): string {
    const id = gapIdFromName(name);
    this.byId.set(id, name);
    return id;
  }

  /** The name recorded for `id`, if any. */
  nameOf(id: string): string | undefined {
    return this.byId.get(id.toLowerCase());
  }

  /** Every name recorded, in the order first seen. */
  all(): string[] {
    return [...this.byId.values()];
  }

  /** The name if known, otherwise the id shortened to 0x1234…abcd. */
  label(id: string): string {
    return this.nameOf(id) ?? shortHex(id);
  }
}

/** 0x1234…abcd for long hex strings, unchanged otherwise. */
export function shortHex(hex: string): string {
  return hex.length > 14 ? `${hex.slice(0, 6)}…${hex.slice(-4)}` : hex;
}

/**
 * The gap's name when its metadata URI carries it: the whole URI, the URI without its scheme, a
 * path segment, the fragment or a `name` query parameter — whichever hashes to `gapId` (so the
 * name shown is never wrong). Undefined otherwise.
 */
export function nameFromMetadataURI(uri: string, gapId: string): string | undefined {
  if (uri === "") return undefined;
  const id = gapId.toLowerCase();
  const candidates = new Set<string>([uri]);
  const decode = (part: string): string => {
    try {
      return decodeURIComponent(part);
    } catch {
      return part;
    }
  };
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(uri);
  const rest = scheme !== null ? uri.slice(scheme[0].length) : uri;
  candidates.add(rest);
  const [beforeHash, fragment] = rest.split("#", 2) as [string, string | undefined];
  if (fragment !== undefined) candidates.add(decode(fragment));
  const [pathPart, query] = beforeHash.split("?", 2) as [string, string | undefined];
  for (const segment of pathPart.split("/")) if (segment !== "") candidates.add(decode(segment));
  if (query !== undefined) {
    const name = new URLSearchParams(query).get("name");
    if (name !== null) candidates.add(name);
  }
  for (const c of candidates) if (c !== "" && gapIdFromName(c) === id) return c;
  return undefined;
}
