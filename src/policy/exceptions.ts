import type { RepositoryMatcher } from "./globs.js";
import { idKey } from "./ids.js";
import { instantOf } from "./instant.js";
import type { ExceptionRef, Finding, ImageRef, PolicyException } from "./types.js";

export interface ExceptionMatch {
  /** A matching exception that is still in force, if any. */
  applied?: ExceptionRef;
  /** Matching exceptions that have run out; they are reported so nobody thinks they still hold. */
  expired: ExceptionRef[];
}

/** The shared "no expired exceptions" of the common case; replaced, never pushed to. */
const NONE = Object.freeze([]) as unknown as ExceptionRef[];
const NO_MATCH: ExceptionMatch = Object.freeze({ expired: NONE });

interface IndexedException {
  index: number;
  exception: PolicyException;
  /** NaN when the expiry cannot be read (a document that skipped parsePolicy): such an exception never holds. */
  expiresAt: number;
  repository: RepositoryMatcher | undefined;
}

function toRef({ index, exception }: IndexedException): ExceptionRef {
  const ref: ExceptionRef = {
    index,
    vulnerability: exception.vulnerability,
    expires: exception.expires,
    approvedBy: exception.approvedBy,
    justification: exception.justification,
  };
  if (exception.id !== undefined) ref.id = exception.id;
  return ref;
}

/**
 * The exceptions of one policy, indexed by vulnerability id once when the policy is loaded, so matching thousands of
 * findings costs a map lookup each and a precompiled glob test per candidate. Ids compare case-insensitively
 * (scanners disagree on "cve-" vs "CVE-").
 */
export class ExceptionIndex {
  private readonly byVulnerability = new Map<string, IndexedException[]>();

  constructor(exceptions: readonly PolicyException[], glob: (pattern: string) => RepositoryMatcher) {
    exceptions.forEach((exception, index) => {
      const key = idKey(exception.vulnerability);
      const list = this.byVulnerability.get(key) ?? [];
      list.push({
        index,
        exception,
        expiresAt: instantOf(exception.expires) ?? Number.NaN,
        repository: exception.repository === undefined ? undefined : glob(exception.repository),
      });
      this.byVulnerability.set(key, list);
    });
  }

  /**
   * `now` is epoch milliseconds; an exception holds strictly before its `expires` instant. `key` is the finding's id as
   * idKey makes it, when the caller has it already.
   */
  match(finding: Finding, image: ImageRef, now: number, key = idKey(finding.vulnerabilityId)): ExceptionMatch {
    if (this.byVulnerability.size === 0 || !this.mayMatch(finding, key)) return NO_MATCH;
    const result: ExceptionMatch = { expired: NONE };
    let seen = this.consider(finding.vulnerabilityId, finding, image, now, result, undefined);
    for (const alias of finding.aliases) seen = this.consider(alias, finding, image, now, result, seen);
    return result;
  }

  /** Whether any exception names the finding's id or an alias: most findings have none, and cost no allocation. */
  private mayMatch(finding: Finding, key: string): boolean {
    if (this.byVulnerability.has(key)) return true;
    const aliases = finding.aliases;
    for (let index = 0; index < aliases.length; index += 1)
      if (this.byVulnerability.has(idKey(aliases[index] as string))) return true;
    return false;
  }

  private consider(
    id: string,
    finding: Finding,
    image: ImageRef,
    now: number,
    result: ExceptionMatch,
    seen: Set<number> | undefined,
  ): Set<number> | undefined {
    const candidates = this.byVulnerability.get(idKey(id));
    if (candidates === undefined) return seen;
    for (const candidate of candidates) {
      const { package: pkg, digest } = candidate.exception;
      // An id and an alias may both name the same exception; it counts once.
      if (seen?.has(candidate.index) || (pkg !== undefined && pkg !== finding.package.name)) continue;
      if (digest !== undefined && digest !== image.digest) continue;
      if (candidate.repository !== undefined && !candidate.repository(image.repository)) continue;
      (seen ??= new Set()).add(candidate.index);
      if (now < candidate.expiresAt) {
        result.applied ??= toRef(candidate);
      } else {
        if (result.expired === NONE) result.expired = [];
        result.expired.push(toRef(candidate));
      }
    }
    return seen;
  }
}
