import type { RemediationRecord } from "./records.js";
import { isLive } from "./records.js";

/** A released image as the registry lists it. */
export interface ReleasedImage {
  loginServer: string;
  repository: string;
  digest: string;
  /** RFC 3339: the manifest's createdTime (its push). */
  pushedAt: string;
}

export interface Candidate {
  loginServer: string;
  repository: string;
  digest: string;
  /** Why it is re-evaluated: pushed inside the window, listed as in use, or it has live remediation records. */
  why: ("window" | "in-use" | "open-records" | "exception-expired")[];
}

const DAY_MS = 86_400_000;

/**
 * Which released images a run re-evaluates: those pushed within their repository's window (windowDays), every digest
 * listed as in use (whatever its age), every image with a live record (its deadline must still be watched), and every
 * image whose finding an exception excused until an instant now past (the exception's expiry triggers a re-check).
 * Deduplicated by image, in a stable order (loginServer, repository, digest) so a run's fan-out is deterministic.
 */
export function selectCandidates(input: {
  released: Iterable<ReleasedImage>;
  inUse: Iterable<{ loginServer: string; repository: string; digest: string }>;
  records: Iterable<RemediationRecord>;
  windowDays: (repository: string) => number;
  now: Date;
  /** A record closed by an exception that has expired since: its image is judged again (the finding may be back). */
  exceptionExpired?: (record: RemediationRecord) => boolean;
}): Candidate[] {
  const out = new Map<string, Candidate>();
  const add = (image: { loginServer: string; repository: string; digest: string }, why: Candidate["why"][number]) => {
    const key = `${image.loginServer}|${image.repository}|${image.digest}`;
    const known = out.get(key);
    if (known) {
      if (!known.why.includes(why)) known.why.push(why);
    } else {
      out.set(key, { loginServer: image.loginServer, repository: image.repository, digest: image.digest, why: [why] });
    }
  };
  for (const image of input.released) {
    const pushed = Date.parse(image.pushedAt);
    // An unreadable push time cannot be shown to be outside the window: re-evaluate it.
    if (Number.isNaN(pushed) || input.now.getTime() - pushed <= input.windowDays(image.repository) * DAY_MS)
      add(image, "window");
  }
  for (const image of input.inUse) add(image, "in-use");
  for (const record of input.records) {
    if (isLive(record)) add(record, "open-records");
    else if (record.closedReason === "exception-applied" && input.exceptionExpired?.(record))
      add(record, "exception-expired");
  }
  return [...out.values()].sort((a, b) =>
    a.loginServer === b.loginServer
      ? a.repository === b.repository
        ? a.digest.localeCompare(b.digest)
        : a.repository.localeCompare(b.repository)
      : a.loginServer.localeCompare(b.loginServer),
  );
}

/**
 * How many images may be re-evaluated at once within a read budget: each image costs `readsPerImage` registry reads
 * and takes about `secondsPerImage`; at most `maxConcurrency` whatever the budget. At least 1.
 */
export function concurrencyWithin(budget: {
  readsPerMinute: number;
  readsPerImage: number;
  secondsPerImage: number;
  maxConcurrency: number;
}): number {
  const imagesPerMinute = budget.readsPerMinute / Math.max(1, budget.readsPerImage);
  const concurrent = Math.floor((imagesPerMinute * Math.max(1, budget.secondsPerImage)) / 60);
  return Math.max(1, Math.min(budget.maxConcurrency, concurrent));
}
