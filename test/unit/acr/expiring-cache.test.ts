import { describe, expect, it } from "vitest";
import { ExpiringCache } from "../../../src/acr/expiring-cache.js";

function cacheAt(clock: { now: number }, refreshMarginMs = 300_000, maxEntries?: number) {
  return new ExpiringCache<string>({ refreshMarginMs, now: () => clock.now, maxEntries });
}

describe("ExpiringCache", () => {
  it("shares one load among concurrent callers and caches the result", async () => {
    const clock = { now: 0 };
    const cache = cacheAt(clock);
    let loads = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const load = async () => {
      loads++;
      await gate;
      return { value: `v${loads}`, expiresAt: 3_600_000, issuedAt: 0 };
    };
    const waiting = Array.from({ length: 50 }, () => cache.get("k", load));
    release();
    expect(new Set(await Promise.all(waiting))).toEqual(new Set(["v1"]));
    expect(await cache.get("k", load)).toBe("v1");
    expect(loads).toBe(1);
  });

  it("reloads five minutes before expiry, or at half the lifetime of a short-lived value", async () => {
    const clock = { now: 0 };
    const cache = cacheAt(clock);
    let n = 0;
    const long = async () => ({ value: `long${++n}`, expiresAt: clock.now + 3_600_000, issuedAt: clock.now });
    expect(await cache.get("long", long)).toBe("long1");
    clock.now = 3_600_000 - 300_001;
    expect(await cache.get("long", long)).toBe("long1");
    clock.now = 3_600_000 - 300_000;
    expect(await cache.get("long", long)).toBe("long2");

    clock.now = 0;
    let m = 0;
    const short = async () => ({ value: `short${++m}`, expiresAt: clock.now + 4_000, issuedAt: clock.now });
    expect(await cache.get("short", short)).toBe("short1");
    clock.now = 1_999;
    expect(await cache.get("short", short)).toBe("short1");
    clock.now = 2_000;
    expect(await cache.get("short", short)).toBe("short2");
  });

  it("does not cache a value without expiry, nor a failed load", async () => {
    const cache = cacheAt({ now: 0 });
    let n = 0;
    await cache.get("k", async () => ({ value: `v${++n}`, expiresAt: undefined, issuedAt: 0 }));
    expect(await cache.get("k", async () => ({ value: `v${++n}`, expiresAt: undefined, issuedAt: 0 }))).toBe("v2");
    await expect(cache.get("f", async () => Promise.reject(new Error("down")))).rejects.toThrow("down");
    expect(await cache.get("f", async () => ({ value: "up", expiresAt: 10_000_000, issuedAt: 0 }))).toBe("up");
  });

  it("invalidates only the value that was refused, keeping a fresher one", async () => {
    const cache = cacheAt({ now: 0 });
    const value = (v: string) => async () => ({ value: v, expiresAt: 10_000_000, issuedAt: 0 });
    await cache.get("k", value("old"));
    cache.invalidate("k", "other");
    expect(await cache.get("k", value("new"))).toBe("old");
    cache.invalidate("k", "old");
    expect(await cache.get("k", value("new"))).toBe("new");
  });

  it("stays bounded: expired entries go first, then the oldest", async () => {
    const clock = { now: 0 };
    const cache = cacheAt(clock, 0, 3);
    for (const key of ["a", "b", "c", "d"])
      await cache.get(key, async () => ({ value: key, expiresAt: 100, issuedAt: 0 }));
    expect(cache.size).toBe(3);
    expect(await cache.get("a", async () => ({ value: "a2", expiresAt: 100, issuedAt: 0 }))).toBe("a2");
  });
});
