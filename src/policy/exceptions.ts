import picomatch from "picomatch";
import { GLOB_OPTIONS } from "./rules.js";
import type { ExceptionRef, Finding, ImageRef, PolicyDocument, PolicyException } from "./types.js";

export interface ExceptionMatch {
  /** A matching exception that is still in force, if any. */
  applied?: ExceptionRef;
  /** Matching exceptions that have run out; they are reported so nobody thinks they still hold. */
  expired: ExceptionRef[];
}

interface IndexedException {
  index: number;
  exception: PolicyException;
  expiresAt: number;
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
 * Exceptions of one policy, narrowed to one image and indexed by vulnerability id, so matching thousands of findings
 * costs a map lookup each. Ids compare case-insensitively (scanners disagree on "cve-" vs "CVE-").
 */
export class ExceptionIndex {
  private readonly byVulnerability = new Map<string, IndexedException[]>();

  constructor(policy: PolicyDocument, image: ImageRef) {
    (policy.exceptions ?? []).forEach((exception, index) => {
      if (exception.digest !== undefined && exception.digest !== image.digest) return;
      if (
        exception.repository !== undefined &&
        !picomatch.isMatch(image.repository, exception.repository, GLOB_OPTIONS)
      )
        return;
      const key = exception.vulnerability.toUpperCase();
      const list = this.byVulnerability.get(key) ?? [];
      list.push({ index, exception, expiresAt: Date.parse(exception.expires) });
      this.byVulnerability.set(key, list);
    });
  }

  /** `now` is epoch milliseconds; an exception holds strictly before its `expires` instant. */
  match(finding: Finding, now: number): ExceptionMatch {
    const result: ExceptionMatch = { expired: [] };
    if (this.byVulnerability.size === 0) return result;
    const seen = new Set<number>();
    for (const id of [finding.vulnerabilityId, ...finding.aliases]) {
      for (const candidate of this.byVulnerability.get(id.toUpperCase()) ?? []) {
        const { package: pkg } = candidate.exception;
        // An id and an alias may both name the same exception; it counts once.
        if (seen.has(candidate.index) || (pkg !== undefined && pkg !== finding.package.name)) continue;
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
