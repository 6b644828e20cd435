import { describe, expect, it } from "vitest";
import { walkRepositories } from "../../../src/sweep/enumerate/walk.js";
import { CompletionWatermark } from "../../../src/sweep/enumerate/watermark.js";

const names = (n: number) => Array.from({ length: n }, (_, i) => `team/repo-${String(i).padStart(2, "0")}`);

async function* catalog(items: string[], failAfter?: number): AsyncGenerator<string> {
  for (const [i, item] of items.entries()) {
    if (failAfter !== undefined && i === failAfter) throw new Error("catalog page failed");
    await Promise.resolve();
    yield item;
  }
}

/** A visit that finishes repositories in an order the test controls (a deferred per repository). */
function controlledVisits() {
  const waiting = new Map<string, () => void>();
  const started: string[] = [];
  return {
    started,
    visit: (repository: string) =>
      new Promise<void>((resolve) => {
        started.push(repository);
        waiting.set(repository, resolve);
      }),
    finish: (repository: string) => waiting.get(repository)?.(),
  };
}

const tick = () => new Promise((r) => setImmediate(r));

describe("CompletionWatermark", () => {
  it("advances only over a contiguous run of finished repositories and keeps the ones done ahead", () => {
    const w = new CompletionWatermark();
    for (const n of ["a", "b", "c", "d"]) w.start(n);
    w.finish("b");
    w.finish("d");
    expect(w.position()).toEqual({ lastCompleted: undefined, completedAhead: ["b", "d"] });
    w.finish("a");
    expect(w.position()).toEqual({ lastCompleted: "b", completedAhead: ["d"] });
    const resumed = new CompletionWatermark(w.position());
    expect(["a", "b", "c", "d", "e"].filter((n) => !resumed.isDone(n))).toEqual(["c", "e"]);
  });

  it("carries repositories done ahead until the watermark passes them", () => {
    const w = new CompletionWatermark({ lastCompleted: "b", completedAhead: ["d"] });
    w.start("c");
    expect(w.position()).toEqual({ lastCompleted: "b", completedAhead: ["d"] });
    w.start("e");
    w.finish("e");
    expect(w.position()).toEqual({ lastCompleted: "b", completedAhead: ["d", "e"] });
    w.finish("c");
    expect(w.position()).toEqual({ lastCompleted: "e", completedAhead: [] });
  });
});

describe("walkRepositories", () => {
  it("reads every repository once, never more than `concurrency` at a time", async () => {
    let running = 0;
    let peak = 0;
    const seen: string[] = [];
    const result = await walkRepositories({
      repositories: catalog(names(25)),
      concurrency: 3,
      deadline: Number.POSITIVE_INFINITY,
      now: () => 0,
      visit: async (repository) => {
        running += 1;
        peak = Math.max(peak, running);
        await tick();
        seen.push(repository);
        running -= 1;
      },
    });
    expect(result).toMatchObject({
      stoppedBy: "done",
      visited: 25,
      skipped: 0,
      position: { lastCompleted: "team/repo-24", completedAhead: [] },
    });
    expect(seen.sort()).toEqual(names(25));
    expect(peak).toBe(3);
  });

  it("stops starting work at the first error, lets running visits finish, and resumes exactly after it", async () => {
    const control = controlledVisits();
    const walking = walkRepositories({
      repositories: catalog(names(10)),
      concurrency: 3,
      deadline: Number.POSITIVE_INFINITY,
      now: () => 0,
      visit: async (repository) => {
        if (repository === "team/repo-04") throw new Error("503 from the registry");
        return control.visit(repository);
      },
    });
    await tick();
    control.finish("team/repo-00");
    await tick();
    control.finish("team/repo-02");
    await tick();
    await tick();
    // repo-01 and repo-03 are still running when repo-04 fails: they finish, nothing after repo-04 starts.
    control.finish("team/repo-03");
    control.finish("team/repo-01");
    const result = await walking;
    expect(result).toMatchObject({ stoppedBy: "error", failedRepository: "team/repo-04", visited: 4 });
    expect(String(result.error)).toMatch(/503/);
    expect(control.started).toEqual(["team/repo-00", "team/repo-01", "team/repo-02", "team/repo-03"]);
    expect(result.position).toEqual({ lastCompleted: "team/repo-03", completedAhead: [] });

    const again: string[] = [];
    const resumed = await walkRepositories({
      repositories: catalog(names(10)),
      resumeFrom: result.position,
      concurrency: 3,
      deadline: Number.POSITIVE_INFINITY,
      now: () => 0,
      visit: async (r) => void again.push(r),
    });
    expect(resumed).toMatchObject({ stoppedBy: "done", skipped: 4, visited: 6 });
    expect(again.sort()).toEqual(names(10).slice(4));
  });

  it("records repositories finished ahead of a failed one, so a resumed walk skips them too", async () => {
    const control = controlledVisits();
    const walking = walkRepositories({
      repositories: catalog(names(6)),
      concurrency: 3,
      deadline: Number.POSITIVE_INFINITY,
      now: () => 0,
      visit: async (repository) => {
        await control.visit(repository);
        if (repository === "team/repo-01") throw new Error("boom");
      },
    });
    for (const step of ["team/repo-02", "team/repo-00", "team/repo-01", "team/repo-03", "team/repo-04"]) {
      await tick();
      await tick();
      control.finish(step);
    }
    const result = await walking;
    expect(control.started).toEqual(names(5));
    expect(result).toMatchObject({ stoppedBy: "error", failedRepository: "team/repo-01", visited: 4 });
    expect(result.position).toEqual({
      lastCompleted: "team/repo-00",
      completedAhead: ["team/repo-02", "team/repo-03", "team/repo-04"],
    });
    const again: string[] = [];
    await walkRepositories({
      repositories: catalog(names(6)),
      resumeFrom: result.position,
      concurrency: 2,
      deadline: Number.POSITIVE_INFINITY,
      now: () => 0,
      visit: async (r) => void again.push(r),
    });
    expect(again.sort()).toEqual(["team/repo-01", "team/repo-05"]);
  });

  it("stops at the deadline without starting anything new, and after a catalog failure", async () => {
    let clock = 0;
    const timed = await walkRepositories({
      repositories: catalog(names(10)),
      concurrency: 1,
      deadline: 3,
      now: () => clock,
      visit: async () => {
        clock += 1;
      },
    });
    expect(timed).toMatchObject({ stoppedBy: "time-limit", visited: 3, position: { lastCompleted: "team/repo-02" } });
    const broken = await walkRepositories({
      repositories: catalog(names(10), 5),
      concurrency: 2,
      deadline: Number.POSITIVE_INFINITY,
      now: () => 0,
      visit: async () => undefined,
    });
    expect(broken).toMatchObject({ stoppedBy: "error", visited: 5, position: { lastCompleted: "team/repo-04" } });
    expect(broken.failedRepository).toBeUndefined();
  });

  it("stops when saving progress fails (a lost lease), keeping what finished", async () => {
    const result = await walkRepositories({
      repositories: catalog(names(5)),
      concurrency: 1,
      deadline: Number.POSITIVE_INFINITY,
      now: () => 0,
      visit: async () => undefined,
      onProgress: (position) => {
        if (position.lastCompleted === "team/repo-01") throw new Error("lease lost");
      },
    });
    expect(result).toMatchObject({ stoppedBy: "error", visited: 2, position: { lastCompleted: "team/repo-01" } });
  });
});
