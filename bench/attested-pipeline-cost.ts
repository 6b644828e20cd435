import type { LocalStack } from "../local/stack/compose.js";

/** What a sequential run of pushes cost the registry, per image, and how long each took to be released. */
export interface SequentialCost {
  writes: number;
  reads: number;
  releaseP50Ms: number;
}

export interface BenchPusher {
  setUp(): Promise<void>;
  push(tag: string): Promise<string>;
}

// The emulator's totals: every /v2 request (the referrers API included) and every /acr/v1 request, by method.
const REGISTRY_WRITES = ["v2.write", "acr.write"];
const REGISTRY_READS = ["v2.read", "acr.read"];

async function stats(stack: LocalStack): Promise<Record<string, number>> {
  return (await (await fetch(`${stack.acr.adminUrl}/stats`)).json()) as Record<string, number>;
}

const sum = (s: Record<string, number>, keys: string[]) => keys.reduce((n, k) => n + (s[k] ?? 0), 0);

/**
 * Pushes `count` images one at a time, each waited for until released, then waits until the registry sees no more
 * requests for 2 s (the gate's own referrers, their quarantine webhooks and pipelines, are done too). Everything the
 * registry served counts, the pushes included: compared between two runs, only what the gate added differs.
 */
export async function sequentialCost(
  stack: LocalStack,
  pusher: BenchPusher,
  count: number,
  waitReleased: (digest: string, timeoutMs: number) => Promise<void>,
  prefix: string,
): Promise<SequentialCost> {
  await fetch(`${stack.acr.adminUrl}/stats`, { method: "DELETE" });
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const digest = await pusher.push(`${prefix}-${i}`);
    const pushed = performance.now();
    await waitReleased(digest, 60_000);
    times.push(performance.now() - pushed);
  }
  let last = JSON.stringify(await stats(stack));
  for (let quiet = 0, waited = 0; quiet < 4 && waited < 120; waited++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const now = JSON.stringify(await stats(stack));
    quiet = now === last ? quiet + 1 : 0;
    last = now;
  }
  const s = JSON.parse(last) as Record<string, number>;
  times.sort((a, b) => a - b);
  return {
    writes: sum(s, REGISTRY_WRITES) / count,
    reads: sum(s, REGISTRY_READS) / count,
    releaseP50Ms: times[Math.ceil(count / 2) - 1]!,
  };
}

export function costLine(plain: SequentialCost, attested: SequentialCost, count: number): string {
  const f = (n: number) => n.toFixed(2);
  return (
    `  whole pipeline with attestations on vs off (n=${count} each, one at a time, until the registry is quiet): ` +
    `registry writes per image ${f(attested.writes)} vs ${f(plain.writes)} (+${f(attested.writes - plain.writes)}), ` +
    `reads ${f(attested.reads)} vs ${f(plain.reads)} (+${f(attested.reads - plain.reads)}: the referrers' own ` +
    `pipelines included); push → released p50 ${attested.releaseP50Ms.toFixed(0)} ms vs ${plain.releaseP50Ms.toFixed(0)} ms`
  );
}
