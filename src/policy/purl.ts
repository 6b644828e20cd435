import { PackageURL } from "packageurl-js";

export interface ParsedPurl {
  type: string;
  namespace: string;
  name: string;
  version?: string;
  qualifiers: Readonly<Record<string, string>>;
}

const cache = new Map<string, ParsedPurl | null>();
const CACHE_LIMIT = 10_000;

/** Parses a package URL with the reference library; anything it rejects is not a purl (null). */
export function parsePurl(text: string): ParsedPurl | null {
  const cached = cache.get(text);
  if (cached !== undefined) return cached;
  let parsed: ParsedPurl | null = null;
  if (text.startsWith("pkg:")) {
    try {
      const purl = PackageURL.fromString(text);
      parsed = {
        type: purl.type,
        namespace: purl.namespace ?? "",
        name: purl.name,
        qualifiers: { ...(purl.qualifiers ?? {}) },
      };
      if (purl.version !== undefined && purl.version !== null && purl.version !== "") parsed.version = purl.version;
    } catch {
      parsed = null;
    }
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(text, parsed);
  return parsed;
}

/**
 * Whether a purl from a VEX statement covers a package: same type, namespace and name; the same version when the
 * statement names one (no version means every version); every qualifier the statement gives must be present and equal.
 */
export function purlCovers(statement: ParsedPurl, pkg: ParsedPurl): boolean {
  if (statement.type !== pkg.type || statement.namespace !== pkg.namespace || statement.name !== pkg.name) return false;
  if (statement.version !== undefined && statement.version !== pkg.version) return false;
  return Object.entries(statement.qualifiers).every(([key, value]) => pkg.qualifiers[key] === value);
}
