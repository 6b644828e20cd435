import type { Reason, Verdict } from "./types.js";

/** What decided first: why the report was unusable, what blocks, what expired, what needs approval, then the rest. */
const WEIGHT: Readonly<Record<Reason["kind"], number>> = {
  "report-unusable": 0,
  "report-for-another-image": 0,
  "finding-blocks": 1,
  "exception-expired": 2,
  "finding-needs-approval": 3,
  "auto-release-off": 3,
  "exception-applied": 4,
  "vex-suppressed": 5,
  "unfixed-ignored": 6,
  "unknown-severity-ignored": 6,
};

/**
 * The reasons of a verdict, most decisive first (stable within a weight, so report order is kept), cut to `max`.
 * For places that can show only a few, such as quarantineDetails or an audit summary: report order would put an
 * excepted finding ahead of the one that actually failed the image. One pass, keeping at most `max` per weight, so a
 * verdict of thousands of reasons costs no sort.
 */
export function decisiveReasons(verdict: Pick<Verdict, "reasons">, max = Number.POSITIVE_INFINITY): Reason[] {
  const buckets: Reason[][] = [[], [], [], [], [], [], []];
  for (const reason of verdict.reasons) {
    const bucket = buckets[WEIGHT[reason.kind]] as Reason[];
    if (bucket.length < max) bucket.push(reason);
  }
  const ordered: Reason[] = [];
  for (const bucket of buckets) {
    for (const reason of bucket) {
      if (ordered.length >= max) return ordered;
      ordered.push(reason);
    }
  }
  return ordered;
}
