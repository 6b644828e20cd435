import { ageMs, type SweepDecision } from "./classify.js";

/** Pending images by how long they have been in quarantine (since push). */
export const AGE_BUCKETS = [
  { label: "<1h", upToMs: 3_600_000 },
  { label: "1h-6h", upToMs: 6 * 3_600_000 },
  { label: "6h-24h", upToMs: 24 * 3_600_000 },
  { label: "1d-7d", upToMs: 7 * 86_400_000 },
  { label: "7d-14d", upToMs: 14 * 86_400_000 },
  { label: ">14d", upToMs: Number.POSITIVE_INFINITY },
] as const;

export type AgeBucket = (typeof AGE_BUCKETS)[number]["label"] | "unknown";

export function ageBucket(ms: number | undefined): AgeBucket {
  if (ms === undefined) return "unknown";
  return AGE_BUCKETS.find((b) => ms < b.upToMs)!.label;
}

export interface ImageEntry {
  image: string;
  instanceId?: string;
  stage?: string;
  runtimeStatus?: string;
  outcome?: string;
  pushedAt?: string;
  pipelineCreatedAt?: string;
  updatedAt?: string;
  ageMs?: number;
}

/** Lists in the report are capped so a registry with 100,000 stuck images still makes a readable, bounded report. */
export const LIST_CAP = 500;

class CappedList {
  readonly items: ImageEntry[] = [];
  total = 0;

  add(entry: ImageEntry): void {
    this.total += 1;
    if (this.items.length < LIST_CAP) this.items.push(entry);
  }

  toJSON(): { total: number; items: ImageEntry[]; truncated: number } {
    return { total: this.total, items: this.items, truncated: this.total - this.items.length };
  }
}

/** Counts of one run, built manifest by manifest (memory is bounded by the caps, not by the registry). */
export class SweepTally {
  repositories = 0;
  repositoriesVanished = 0;
  manifests = 0;
  readonly byState: Record<string, number> = {};
  readonly ageBuckets: Record<string, number> = {};
  readonly decisions: Record<SweepDecision["kind"], number> = {
    released: 0,
    failed: 0,
    expire: 0,
    start: 0,
    restart: 0,
    "in-progress": 0,
    stale: 0,
    "ended-pending": 0,
  };
  readonly started = new CappedList();
  readonly restarted = new CappedList();
  readonly stale = new CappedList();
  readonly expired = new CappedList();
  readonly endedPending = new CappedList();
  /** Manifests whose action failed for reasons of their own (deleted meanwhile, write not confirmed): skipped, reported. */
  readonly actionErrors = new CappedList();

  /** Records a manifest's raw state ("(none)" when the registry reports none) and, when pending, its age bucket. */
  manifest(state: string | undefined, pending: boolean, pushedAt: string, now: Date): void {
    this.manifests += 1;
    const key = state ?? "(none)";
    this.byState[key] = (this.byState[key] ?? 0) + 1;
    if (pending) {
      const bucket = ageBucket(ageMs(pushedAt, now));
      this.ageBuckets[bucket] = (this.ageBuckets[bucket] ?? 0) + 1;
    }
  }

  decision(decision: SweepDecision, entry: ImageEntry): void {
    this.decisions[decision.kind] += 1;
    if (decision.kind === "start") this.started.add(entry);
    else if (decision.kind === "restart") this.restarted.add(entry);
    else if (decision.kind === "stale") this.stale.add(entry);
    else if (decision.kind === "expire") this.expired.add(entry);
    else if (decision.kind === "ended-pending") this.endedPending.add(entry);
  }

  pendingTotal(): number {
    const d = this.decisions;
    return d.expire + d.start + d.restart + d["in-progress"] + d.stale + d["ended-pending"];
  }
}
