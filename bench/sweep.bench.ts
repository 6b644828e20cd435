/**
 * npm run bench:sweep — the compliance sweep over seeded catalogs of 1,000 and 10,000 repositories × 10 manifests.
 *
 * What runs: the sweep's own domain code (src/sweep: pass runner, catalog walk, manifest handling, report) with the
 * real registry client (ManagedIdentityCredential → exchange → tokens, HTTPS), the real ARM reader, the pass state and
 * the report in Azurite — against the ACR emulator (metadata-only seeding). Only the pipeline starter is replaced by a
 * counter, so the figures are the sweep's and the registry's, not the Durable host's (whose throughput bench:devhost
 * measures). The emulator runs in a child process (this file, started with --emulator-child) and Azurite in its own, so
 * the peak RSS printed is the sweep's process (plus the small identity endpoint, which answers one token request).
 *
 * Prints per size: requests by kind (target: catalog pages + one list request per repository, no per-manifest GETs),
 * wall time at the configured read budget (SWEEP_READ_BUDGET_PERCENT of SWEEP_REGISTRY_READ_OPS, default 20 % of
 * Premium's 10,000/min, with the emulator enforcing Premium limits) and unthrottled, peak RSS (target < 256 MB), and
 * the cost ratio 10k/1k (target ≈ 10). BENCH_SWEEP_SIZES=1000,10000 and BENCH_SWEEP_BUDGET_SIZES (which sizes also run
 * at the budget; default all — the 10k run then takes about five minutes, which is the point of a budget).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { startIdentityServer, type IdentityServer } from "../local/identity/server.js";
import { startAcrEmulator } from "../local/acr-emulator/server.js";
import { startAzurite, type RunningAzurite } from "../local/azurite/index.js";
import { ensureLocalCaTrusted } from "../local/stack/trust.js";
import { loginServer, type LoginServer } from "../src/acr/index.js";
import { pipelineInstanceId, type ImageKey } from "../src/pipeline/contract/index.js";
import type { PipelineDirectory, PipelineView, StartOutcome } from "../src/sweep/pipeline-view.js";
import type { SweepReport } from "../src/sweep/report.js";
import { summaryLine } from "../src/sweep/report.js";
import { registryDeps, sweepEnvironment } from "../src/sweep/services.js";
import { sweepRegistry } from "../src/sweep/sweep-registry.js";
import { useIdentityEndpointInProcess } from "../local/identity/process-environment.js";

const caDir = resolve(import.meta.dirname, "../../.local/bench/tls");
const MANIFESTS_PER_REPOSITORY = 10;
const SIZES = (process.env.BENCH_SWEEP_SIZES ?? "1000,10000").split(",").map(Number);
const BUDGET_SIZES = new Set(
  (process.env.BENCH_SWEEP_BUDGET_SIZES ?? SIZES.join(",")).split(",").filter(Boolean).map(Number),
);
const RSS_TARGET_MB = 256;
const BENCH_IDENTITY = {
  clientId: "5ee9a000-0000-4000-8000-000000000001",
  objectId: "5ee9b000-0000-4000-8000-000000000001",
  displayName: "sweep-bench",
};

interface ChildInfo {
  loginServer: string;
  url: string;
  adminUrl: string;
  armResourceId: string;
  seedMs: number;
}

// ---------------------------------------------------------------- child: a seeded ACR emulator

async function emulatorChild(repositories: number, identity: { jwksUri: string; issuer: string }): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), "aqg-sweep-bench-"));
  const acr = await startAcrEmulator({
    dataDir,
    caDir,
    identity,
    principals: [
      {
        id: BENCH_IDENTITY.objectId,
        displayName: BENCH_IDENTITY.displayName,
        roles: ["AcrQuarantineReader", "AcrQuarantineWriter", "Reader"],
      },
    ],
    settings: { quarantinePolicy: "enabled" },
  });
  const seedStarted = performance.now();
  const seeded = await fetch(`${acr.adminUrl}/seed`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      repositories,
      manifestsPerRepository: MANIFESTS_PER_REPOSITORY,
      prefix: "bench",
      quarantineState: "Quarantined",
    }),
  });
  if (!seeded.ok) throw new Error(`seeding failed: ${seeded.status} ${await seeded.text()}`);
  const info: ChildInfo = {
    loginServer: acr.loginServer,
    url: acr.url,
    adminUrl: acr.adminUrl,
    armResourceId: acr.armResourceId,
    seedMs: performance.now() - seedStarted,
  };
  console.log(`EMULATOR_READY ${JSON.stringify(info)}`);
  const stop = async () => {
    await acr.stop();
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  };
  process.once("SIGTERM", () => void stop());
  process.stdin.resume();
  process.stdin.once("end", () => void stop());
}

async function startChild(
  repositories: number,
  identity: IdentityServer,
): Promise<{ child: ChildProcess; info: ChildInfo }> {
  const args = [
    fileURLToPath(import.meta.url),
    "--emulator-child",
    String(repositories),
    identity.jwksUri,
    identity.issuer,
  ];
  const child = spawn(process.execPath, args, { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout! });
  const info = await new Promise<ChildInfo>((resolveInfo, reject) => {
    child.once("exit", (code) => reject(new Error(`the emulator child exited (${code}) before it was ready`)));
    lines.on("line", (line) => {
      if (line.startsWith("EMULATOR_READY "))
        resolveInfo(JSON.parse(line.slice("EMULATOR_READY ".length)) as ChildInfo);
    });
  });
  return { child, info };
}

async function stopChild(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once("exit", r));
  child.stdin?.end();
  await exited;
}

// ---------------------------------------------------------------- parent: the sweep

/** Stands in for the Durable client: remembers which pipelines were started, so each manifest is handled as in production. */
class CountingPipelines implements PipelineDirectory {
  readonly started = new Set<string>();
  lookups = 0;

  async find(image: ImageKey): Promise<PipelineView | undefined> {
    this.lookups += 1;
    const id = pipelineInstanceId(image);
    return this.started.has(id)
      ? {
          instanceId: id,
          runtimeStatus: "Running",
          createdTime: new Date().toISOString(),
          stage: "scanning",
          updatedAt: undefined,
          outcome: undefined,
        }
      : undefined;
  }

  async start(image: ImageKey): Promise<StartOutcome> {
    const id = pipelineInstanceId(image);
    const started = !this.started.has(id);
    this.started.add(id);
    return { instanceId: id, started, runtimeStatus: "Pending" };
  }

  async terminate(): Promise<void> {}
}

interface Measured {
  report: SweepReport;
  wallMs: number;
  peakRssMb: number;
  peakHeapMb: number;
  starts: number;
  throttled: number;
}

async function admin(info: ChildInfo, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${info.adminUrl}${path}`, {
    method,
    headers: { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`admin ${method} ${path} → ${response.status}: ${text}`);
  return text ? (JSON.parse(text) as unknown) : undefined;
}

async function measure(info: ChildInfo, azurite: RunningAzurite, budgeted: boolean): Promise<Measured> {
  // At the budget the emulator enforces Premium's limits (a 429 would show the sweep ate into production's share);
  // unthrottled, neither side limits, which shows the sweep's own cost.
  await admin(
    info,
    "PUT",
    "/throttling",
    budgeted ? { readOpsPerMinute: 10_000, writeOpsPerMinute: 2_000, burstSeconds: 60 } : null,
  );
  await admin(info, "DELETE", "/stats");
  const environment = sweepEnvironment({
    GATE_REGISTRIES: info.loginServer,
    AZURE_CLIENT_ID: BENCH_IDENTITY.clientId,
    AzureWebJobsStorage: azurite.connectionString,
    GATE_REGISTRY_RESOURCE_IDS: info.armResourceId,
    ARM_ENDPOINT: info.url,
    SWEEP_READ_BUDGET_PERCENT: budgeted ? (process.env.SWEEP_READ_BUDGET_PERCENT ?? "20") : "100",
    SWEEP_REGISTRY_READ_OPS: budgeted ? (process.env.SWEEP_REGISTRY_READ_OPS ?? "10000") : "9999999",
    SWEEP_CONCURRENCY: process.env.SWEEP_CONCURRENCY ?? "4",
  });
  const pipelines = new CountingPipelines();
  const deps = registryDeps(environment, loginServer(info.loginServer) as LoginServer, pipelines);
  global.gc?.();
  let peak = process.memoryUsage().rss;
  let peakHeap = process.memoryUsage().heapUsed;
  const sampler = setInterval(() => {
    const usage = process.memoryUsage();
    peak = Math.max(peak, usage.rss);
    peakHeap = Math.max(peakHeap, usage.heapUsed);
  }, 25);
  const started = performance.now();
  const report = await sweepRegistry(deps, { trigger: "bench", deadline: Date.now() + 60 * 60_000 });
  const wallMs = performance.now() - started;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  const stats = (await admin(info, "GET", "/stats")) as Record<string, number>;
  if (report.outcome !== "complete") throw new Error(`the sweep did not complete: ${summaryLine(report)}`);
  return {
    report,
    wallMs,
    peakRssMb: peak / 2 ** 20,
    peakHeapMb: peakHeap / 2 ** 20,
    starts: pipelines.started.size,
    throttled: stats.throttled ?? 0,
  };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function describe(size: number, label: string, m: Measured): string {
  const r = m.report.requests;
  const pages = Math.ceil(size / 1000);
  const dataPlane = r.catalog + r.manifestList + r.manifestGet;
  const target = pages + size;
  return [
    `  ${label.padEnd(12)} wall ${seconds(m.wallMs).padStart(8)}   peak RSS ${m.peakRssMb.toFixed(0)} MB (heap ${m.peakHeapMb.toFixed(0)} MB)   budget ${r.budgetPerMinute}/min   429s from the registry: ${m.throttled}`,
    `               data-plane reads ${dataPlane} (catalog ${r.catalog}, manifest lists ${r.manifestList}, manifest GETs ${r.manifestGet}) — target ${target} → ${dataPlane === target && r.manifestGet === 0 ? "PASS" : "MISS"}`,
    `               also: token ${r.token}, exchange ${r.exchange}, challenge ${r.challenge}, ARM ${r.arm}; pipelines started ${m.starts} of ${size * MANIFESTS_PER_REPOSITORY} pending manifests`,
  ].join("\n");
}

async function main(): Promise<void> {
  await ensureLocalCaTrusted(caDir);
  const azuriteDir = mkdtempSync(join(tmpdir(), "aqg-sweep-bench-azurite-"));
  const azurite = await startAzurite({ location: azuriteDir });
  // One identity endpoint for every emulator: the credential caches its token for the process's lifetime.
  const identity = await startIdentityServer({ config: { userAssigned: [BENCH_IDENTITY] } });
  useIdentityEndpointInProcess(identity);
  const results = new Map<number, { unthrottled: Measured; budgeted?: Measured }>();
  try {
    for (const size of SIZES) {
      console.log(`seeding ${size} repositories × ${MANIFESTS_PER_REPOSITORY} manifests …`);
      const { child, info } = await startChild(size, identity);
      try {
        console.log(`  seeded in ${seconds(info.seedMs)}`);
        const unthrottled = await measure(info, azurite, false);
        console.log(describe(size, "unthrottled", unthrottled));
        const budgeted = BUDGET_SIZES.has(size) ? await measure(info, azurite, true) : undefined;
        if (budgeted) console.log(describe(size, "at budget", budgeted));
        results.set(size, { unthrottled, ...(budgeted ? { budgeted } : {}) });
      } finally {
        await stopChild(child);
      }
    }
  } finally {
    await identity.close();
    await azurite.close();
    rmSync(azuriteDir, { recursive: true, force: true });
  }
  const small = results.get(Math.min(...SIZES));
  const large = results.get(Math.max(...SIZES));
  const peak = Math.max(...[...results.values()].flatMap((r) => [r.unthrottled.peakRssMb, r.budgeted?.peakRssMb ?? 0]));
  console.log(
    `\npeak RSS over all runs: ${peak.toFixed(0)} MB (target < ${RSS_TARGET_MB} MB) → ${peak < RSS_TARGET_MB ? "PASS" : "MISS"}`,
  );
  if (small && large && small !== large) {
    const reqRatio = large.unthrottled.report.requests.total / small.unthrottled.report.requests.total;
    const readRatio = large.unthrottled.report.requests.readOps / small.unthrottled.report.requests.readOps;
    const wallRatio = large.unthrottled.wallMs / small.unthrottled.wallMs;
    const sizeRatio = Math.max(...SIZES) / Math.min(...SIZES);
    console.log(
      `cost ratio ${Math.max(...SIZES)}/${Math.min(...SIZES)} (target ≈ ${sizeRatio}): data-plane reads ${readRatio.toFixed(2)}, all requests ${reqRatio.toFixed(2)}, unthrottled wall time ${wallRatio.toFixed(2)}`,
    );
    if (small.budgeted && large.budgeted)
      console.log(
        `                          wall time at budget ${(large.budgeted.wallMs / small.budgeted.wallMs).toFixed(2)}`,
      );
  }
}

if (process.argv[2] === "--emulator-child") {
  emulatorChild(Number(process.argv[3]), { jwksUri: process.argv[4]!, issuer: process.argv[5]! }).catch(
    (error: Error) => {
      console.error(`emulator child failed: ${error.stack ?? error.message}`);
      process.exit(2);
    },
  );
} else {
  main().catch((error: Error) => {
    console.error(`bench:sweep failed: ${error.stack ?? error.message}`);
    process.exit(2);
  });
}
