/**
 * This process's CPU time (user + system) while some work runs, readable up to any moment of it. The webhook burst
 * reports the devhost's CPU until its last answer this way: on a shared 2-core machine the answer times move with
 * the neighbours' load, the CPU a delivery costs much less so. The moments are wall-clock epoch milliseconds
 * (performance.timeOrigin + performance.now()), so another process's timestamps (the sender's) can be used.
 */

import { PerformanceObserver } from "node:perf_hooks";

/** Every 10 ms: fine enough for a burst of about a second, cheap enough not to be part of it. */
const SAMPLE_EVERY_MS = 10;

export interface CpuTrace<T> {
  result: T;
  /** CPU milliseconds from the start until `epochMs` (interpolated between samples; capped at the end). */
  cpuUntil(epochMs: number): number;
  /** Milliseconds of garbage-collection pauses that began before `epochMs` (the `gc` performance entries). */
  gcUntil(epochMs: number): number;
}

export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

export async function traceCpu<T>(work: () => Promise<T>): Promise<CpuTrace<T>> {
  const start = process.cpuUsage();
  const samples: Array<{ at: number; cpuMs: number }> = [{ at: epochNow(), cpuMs: 0 }];
  const sample = () => {
    const used = process.cpuUsage(start);
    samples.push({ at: epochNow(), cpuMs: (used.user + used.system) / 1000 });
  };
  const timer = setInterval(sample, SAMPLE_EVERY_MS);
  const pauses: Array<{ at: number; ms: number }> = [];
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries())
      pauses.push({ at: performance.timeOrigin + entry.startTime, ms: entry.duration });
  });
  gc.observe({ entryTypes: ["gc"] });
  let result: T;
  try {
    result = await work();
  } finally {
    clearInterval(timer);
    sample();
    gc.disconnect();
  }
  return {
    result,
    cpuUntil(epochMs) {
      const after = samples.findIndex((s) => s.at >= epochMs);
      if (after === -1) return samples.at(-1)!.cpuMs;
      if (after === 0) return 0;
      const a = samples[after - 1]!;
      const b = samples[after]!;
      return a.cpuMs + ((b.cpuMs - a.cpuMs) * (epochMs - a.at)) / Math.max(b.at - a.at, 1e-9);
    },
    gcUntil(epochMs) {
      return pauses.filter((p) => p.at < epochMs).reduce((sum, p) => sum + p.ms, 0);
    },
  };
}
