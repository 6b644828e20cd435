import type { RepositoryMatcher } from "./globs.js";
import { instantOf } from "./instant.js";
import type { ExceptionRef, Finding, ImageRef, PolicyException } from "./types.js";

export interface ExceptionMatch {
  /** A matching exception that is still in force, if any. */
  applied?: ExceptionRef;
  /** Matching exceptions that have run out; they are reported so nobody thinks they still hold. */
  expired: ExceptionRef[];
}

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
      const key = exception.vulnerability.toUpperCase();
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

  /** `now` is epoch milliseconds; an exception holds strictly before its `expires` instant. */
  match(finding: Finding, image: ImageRef, now: number): ExceptionMatch {
    const result: ExceptionMatch = { expired: [] };
    if (this.byVulnerability.size === 0) return result;
    const seen = new Set<number>();
    for (const id of [finding.vulnerabilityId, ...finding.aliases]) {
      for (const candidate of this.byVulnerability.get(id.toUpperCase()) ?? []) {
        const { package: pkg, digest } = candidate.exception;
        // An id and an alias may both name the same exception; it counts once.
        if (seen.has(candidate.index) || (pkg !== undefined && pkg !== finding.package.name)) continue;
        if (digest !== undefined && digest !== image.digest) continue;
        if (candidate.repository !== undefined && !candidate.repository(image.repository)) continue;
        seen.add(candidate.index);
        if (now < candidate.expiresAt) {
          result.applied ??= toRef(candidate);
        } else {
          result.expired.push(toRef(candidate));
        }
      }
    }
    return result;
  }
}
