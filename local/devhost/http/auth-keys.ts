import { randomBytes, timingSafeEqual } from "node:crypto";

export interface HostKeys {
  /** The default function key: accepted by authLevel "function" routes. */
  functionKey: string;
  /** The master (admin) key: accepted everywhere, required for authLevel "admin" and /admin APIs. */
  masterKey: string;
  /** The Durable extension's system key, used in the management URLs it hands out (…/runtime/webhooks/durabletask?code=). */
  durableSystemKey: string;
}

/** Settings that pin the keys (otherwise each start generates fresh random keys and logs them). */
export const KEY_SETTINGS = {
  functionKey: "DEVHOST_FUNCTION_KEY",
  masterKey: "DEVHOST_MASTER_KEY",
  durableSystemKey: "DEVHOST_DURABLETASK_KEY",
} as const;

export function resolveKeys(env: NodeJS.ProcessEnv = process.env): HostKeys {
  const pick = (name: string): string => {
    const value = env[name];
    if (value === undefined || value === "") return randomBytes(32).toString("base64url");
    if (value.length < 16) throw new Error(`Setting ${name} must be at least 16 characters long.`);
    return value;
  };
  return {
    functionKey: pick(KEY_SETTINGS.functionKey),
    masterKey: pick(KEY_SETTINGS.masterKey),
    durableSystemKey: pick(KEY_SETTINGS.durableSystemKey),
  };
}

/**
 * The key a request presents: header `x-functions-key` first, then the `code` query parameter, as the host reads them.
 * Given the URL, its query is parsed only when there is no header (building `url.searchParams` was a visible part of
 * each webhook delivery, which always sends the header).
 */
export function presentedKey(
  headers: Record<string, string | string[] | undefined>,
  query: URLSearchParams | URL,
): string | undefined {
  const header = headers["x-functions-key"];
  const fromHeader = Array.isArray(header) ? header[0] : header;
  if (fromHeader !== undefined) return fromHeader;
  return (query instanceof URL ? query.searchParams : query).get("code") ?? undefined;
}

export function keyMatches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  return sameBytes(Buffer.from(presented), Buffer.from(expected));
}

export type AuthLevel = "anonymous" | "function" | "admin";

/**
 * Checks presented keys against the host's keys in constant time, with the keys' bytes made once: per request only the
 * presented key is converted (the function routes check every request, a burst of webhooks included).
 */
export class HostKeyCheck {
  readonly #master: Buffer;
  readonly #function: Buffer;

  constructor(keys: Pick<HostKeys, "functionKey" | "masterKey">) {
    this.#master = Buffer.from(keys.masterKey);
    this.#function = Buffer.from(keys.functionKey);
  }

  /** The master key opens every level; the function key opens "function" routes too. */
  authorizes(level: AuthLevel, presented: string | undefined): boolean {
    if (level === "anonymous") return true;
    if (presented === undefined) return false;
    const given = Buffer.from(presented);
    if (sameBytes(given, this.#master)) return true;
    return level === "function" && sameBytes(given, this.#function);
  }
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export function isAuthorized(level: AuthLevel, presented: string | undefined, keys: HostKeys): boolean {
  return new HostKeyCheck(keys).authorizes(level, presented);
}
