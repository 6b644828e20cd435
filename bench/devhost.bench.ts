/**
 * npm run bench:devhost — the local Functions + Durable host under load, with Azurite persistence:
 *   1. orchestrations per second for a 3-activity sequential orchestration (target ≥ 50/s on 2 cores);
 *   2. p50 overhead of dispatching an HTTP trigger: a trivial function through the devhost versus the same answer from
 *      a bare node:http server, same client, keep-alive, one request at a time (target < 2 ms).
 * Env: BENCH_ORCHESTRATIONS (default 500), BENCH_HTTP_REQUESTS (default 2000).
 */
import { createServer, type Server } from "node:http";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { randomUUID } from "node:crypto";
import { startAzurite } from "../local/azurite/index.js";
import { startDevHost, type LogEntry } from "../local/devhost/index.js";

const ORCHESTRATIONS = Number(process.env.BENCH_ORCHESTRATIONS ?? 500);
const HTTP_REQUESTS = Number(process.env.BENCH_HTTP_REQUESTS ?? 2000);
const START_CONCURRENCY = 50;
const TARGET_ORCHESTRATIONS_PER_SECOND = 50;
const TARGET_DISPATCH_OVERHEAD_MS = 2;

/** A tiny v4-model app written at run time (inside the project so it resolves the project's node_modules). */
const APP_SOURCE = `
import { app } from "@azure/functions";
import * as df from "durable-functions";
df.app.activity("benchStep", { handler: (n) => n + 1 });
df.app.orchestration("benchThree", function* (context) {
  let n = context.df.getInput();
  n = yield context.df.callActivity("benchStep", n);
  n = yield context.df.callActivity("benchStep", n);
  n = yield context.df.callActivity("benchStep", n);
  return n;
});
app.http("benchPing", { methods: ["GET"], authLevel: "anonymous", route: "ping", handler: async () => ({ status: 200, body: "pong" }) });
`;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function latencies(url: string, count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const res = await fetch(url);
    await res.text();
    if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
    samples.push(performance.now() - started);
  }
  return samples;
}

async function startBareServer(): Promise<{ server: Server; url: string }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/plain;charset=UTF-8", "content-length": "4" });
    res.end("pong");
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/ping` };
}

async function runPool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

async function main(): Promise<void> {
  const work = resolve(".local", "bench", `devhost-${randomUUID()}`);
  const appRoot = join(work, "app");
  mkdirSync(join(appRoot, "functions"), { recursive: true });
  writeFileSync(join(appRoot, "package.json"), JSON.stringify({ type: "module", main: "functions/*.js" }));
  writeFileSync(
    join(appRoot, "host.json"),
    JSON.stringify({ version: "2.0", extensions: { durableTask: { hubName: "DevhostBench" } } }),
  );
  writeFileSync(join(appRoot, "functions", "bench.js"), APP_SOURCE);
  const azurite = await startAzurite({ location: join(work, "azurite") });
  const completed = new Set<string>();
  let errors = 0;
  const onLog = (entry: LogEntry): void => {
    if (entry.level === "error") errors++;
    const match = /^Orchestration (\S+) \(benchThree\) (\w+)\./.exec(entry.message);
    if (match && match[2] === "Completed") completed.add(match[1]!);
  };
  const host = await startDevHost({
    appRoot,
    port: 0,
    storageConnectionString: azurite.connectionString,
    logSinks: [onLog],
  });
  const bare = await startBareServer();
  const results: boolean[] = [];
  try {
    // The public durable API needs the system key (x-functions-key keeps it out of the URL).
    const durable = `${host.url}/runtime/webhooks/durabletask`;
    const keyHeader = { "x-functions-key": host.keys.durableSystemKey };
    const start = async (id: string, input: number): Promise<void> => {
      const res = await fetch(`${durable}/orchestrators/benchThree/${id}`, {
        method: "POST",
        headers: keyHeader,
        body: JSON.stringify(input),
      });
      if (res.status !== 202) throw new Error(`start answered ${res.status}: ${await res.text()}`);
    };
    const waitFor = async (ids: string[]): Promise<void> => {
      while (ids.some((id) => !completed.has(id))) await new Promise((r) => setTimeout(r, 5));
    };

    const warmup = Array.from({ length: 20 }, (_v, i) => `warm-${i}`);
    await runPool(warmup, START_CONCURRENCY, (id) => start(id, 0));
    await waitFor(warmup);

    const ids = Array.from({ length: ORCHESTRATIONS }, (_v, i) => `bench-${i}`);
    const began = performance.now();
    await runPool(ids, START_CONCURRENCY, (id) => start(id, Number(id.slice(6))));
    await waitFor(ids);
    const seconds = (performance.now() - began) / 1000;
    const perSecond = ORCHESTRATIONS / seconds;
    for (const id of [ids[0]!, ids[ids.length - 1]!]) {
      const status = (await (await fetch(`${durable}/instances/${id}`, { headers: keyHeader })).json()) as {
        output: number;
      };
      if (status.output !== Number(id.slice(6)) + 3) throw new Error(`${id} produced ${status.output}`);
    }
    const orchestrationsOk = perSecond >= TARGET_ORCHESTRATIONS_PER_SECOND;
    results.push(orchestrationsOk);
    console.log(
      `devhost bench (${ORCHESTRATIONS} orchestrations, ${HTTP_REQUESTS} HTTP requests, Azurite persistence)`,
    );
    console.log(
      `  orchestrations   ${perSecond.toFixed(1)}/s (${ORCHESTRATIONS} × 3 activities in ${seconds.toFixed(2)} s) — target ≥ ${TARGET_ORCHESTRATIONS_PER_SECOND}/s: ${orchestrationsOk ? "PASS" : "MISS"}`,
    );

    await latencies(`${host.url}/api/ping`, 200);
    await latencies(bare.url, 200);
    const viaHost: number[] = [];
    const viaBare: number[] = [];
    for (let round = 0; round < 4; round++) {
      // Alternate in rounds so neither side always runs warmer.
      viaHost.push(...(await latencies(`${host.url}/api/ping`, HTTP_REQUESTS / 4)));
      viaBare.push(...(await latencies(bare.url, HTTP_REQUESTS / 4)));
    }
    const overhead = percentile(viaHost, 50) - percentile(viaBare, 50);
    const dispatchOk = overhead < TARGET_DISPATCH_OVERHEAD_MS;
    results.push(dispatchOk);
    console.log(
      `  HTTP dispatch    p50 ${percentile(viaHost, 50).toFixed(3)} ms via devhost vs ${percentile(viaBare, 50).toFixed(3)} ms bare → overhead ${overhead.toFixed(3)} ms (p99 ${percentile(viaHost, 99).toFixed(3)} vs ${percentile(viaBare, 99).toFixed(3)} ms) — target < ${TARGET_DISPATCH_OVERHEAD_MS} ms: ${dispatchOk ? "PASS" : "MISS"}`,
    );
    if (errors > 0) console.log(`  host logged ${errors} error(s) during the run`);
    process.exitCode = results.every(Boolean) && errors === 0 ? 0 : 1;
  } finally {
    bare.server.close();
    await host.close();
    await azurite.close();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  console.error(`bench:devhost failed: ${error.stack ?? error.message}`);
  process.exit(2);
});
