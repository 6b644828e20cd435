import { describe, expect, it } from "vitest";
import { concurrencyWithin, selectCandidates } from "../../../src/reevaluate/candidates.js";
import type { RemediationRecord } from "../../../src/reevaluate/records.js";

const NOW = new Date("2026-03-31T00:00:00Z");
const img = (repository: string, d: string, pushedAt: string) => ({
  loginServer: "gate.azurecr.io",
  repository,
  digest: "sha256:" + d.repeat(64),
  pushedAt,
});

describe("which released images a run re-evaluates", () => {
  it("inside the window, listed as in use, or with live records; deduplicated and ordered", () => {
    const old = img("team/old", "b", "2025-01-01T00:00:00Z");
    const recordOnOld = { ...old, findingId: "CVE-1", state: "blocked" } as unknown as RemediationRecord;
    const closedOnAncient = {
      ...img("team/ancient", "c", "2024-01-01T00:00:00Z"),
      state: "closed",
    } as unknown as RemediationRecord;
    const out = selectCandidates({
      released: [
        img("team/new", "a", "2026-03-20T00:00:00Z"),
        old,
        img("prod/api", "d", "2026-01-15T00:00:00Z"),
        img("team/garbled", "e", "yesterday"),
      ],
      inUse: [img("team/new", "a", ""), img("team/pinned", "f", "")],
      records: [recordOnOld, closedOnAncient],
      windowDays: (repository) => (repository.startsWith("prod/") ? 90 : 30),
      now: NOW,
    });
    expect(out.map((c) => [c.repository, c.why])).toEqual([
      ["prod/api", ["window"]],
      ["team/garbled", ["window"]],
      ["team/new", ["window", "in-use"]],
      ["team/old", ["open-records"]],
      ["team/pinned", ["in-use"]],
    ]);
  });

  it("a record an exception closed is judged again once that exception has expired", () => {
    const excused = {
      ...img("team/excused", "9", "2024-01-01T00:00:00Z"),
      findingId: "CVE-2026-5",
      state: "closed",
      closedReason: "exception-applied",
    } as unknown as RemediationRecord;
    const run = (expired: boolean) =>
      selectCandidates({
        released: [],
        inUse: [],
        records: [excused],
        windowDays: () => 30,
        now: NOW,
        exceptionExpired: () => expired,
      }).map((c) => c.why);
    expect(run(true)).toEqual([["exception-expired"]]);
    expect(run(false)).toEqual([]);
  });

  it("concurrency follows the read budget, bounded both ways", () => {
    // 20 % of Premium's 10,000 ReadOps/min = 2,000; 4 reads an image, 30 s each → 500 images/min → 250 at once.
    expect(concurrencyWithin({ readsPerMinute: 2000, readsPerImage: 4, secondsPerImage: 30, maxConcurrency: 16 })).toBe(
      16,
    );
    expect(concurrencyWithin({ readsPerMinute: 20, readsPerImage: 4, secondsPerImage: 30, maxConcurrency: 16 })).toBe(
      2,
    );
    expect(concurrencyWithin({ readsPerMinute: 1, readsPerImage: 4, secondsPerImage: 1, maxConcurrency: 16 })).toBe(1);
  });
});
