/**
 * npm run bench:reevaluate — one re-evaluation run over 1,000 and 10,000 released images (emulator-side seeding:
 * metadata-only manifests marked Passed, 10 per repository; no skopeo pushes).
 *
 * What runs: the re-evaluation's own code (src/reevaluate: candidate listing through the real registry client —
 * ManagedIdentityCredential → exchange → tokens, HTTPS — reconciliation, the reevaluateImage activity with its audit and
 * records, fanned out at the concurrency the read budget allows) against the ACR emulator in a child process. The
 * re-scan is a stand-in: it reads the image's manifest through the registry client (one real registry read, what any
 * scanner needs before it pulls layers) and returns a judgement with a Critical finding for 1 % of images; records and
 * audit are kept in memory. So the figures are the gate's registry cost and its own CPU and memory, not a scanner's.
 *
 * Prints per size: registry reads by kind and per image, wall time unthrottled and at the budget (20 % of Premium's
 * 10,000 ReadOps/min: Microsoft Learn, "Azure Container Registry service tiers", ReadOps per minute — docs.azure.cn
 * container-registry-skus; acr-protocol.md §5.1 S13 — with the emulator enforcing Premium's limits), peak RSS, and the
 * 10k/1k cost ratio. BENCH_REEVALUATE_SIZES=1000,10000; BENCH_REEVALUATE_BUDGET_SIZES (default all).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { ManagedIdentityCredential } from "@azure/identity";
import { startIdentityServer } from "../local/identity/server.js";
import { startAcrEmulator } from "../local/acr-emulator/server.js";
import { ensureLocalCaTrusted } from "../local/stack/trust.js";
import { AcrClient } from "../src/acr/index.js";
import { parsePolicy, type Reason } from "../src/policy/index.js";
import { concurrencyWithin } from "../src/reevaluate/candidates.js";
import { listCandidates } from "../src/reevaluate/list-candidates.js";
import { reevaluateImage } from "../src/reevaluate/reevaluate-image.js";
import { MemoryRemediationStore } from "../src/reevaluate/store.js";
import type { FreshJudgement } from "../src/reevaluate/violations.js";
import { useIdentityEndpointInProcess } from "../local/identity/process-environment.js";

const caDir = resolve(import.meta.dirname, "../../.local/bench/tls");
const PER_REPOSITORY = 10;
const SIZES = (process.env.BENCH_REEVALUATE_SIZES ?? "1000,10000").split(",").map(Number);
const BUDGET_SIZES = new Set(
  (process.env.BENCH_REEVALUATE_BUDGET_SIZES ?? SIZES.join(",")).split(",").filter(Boolean).map(Number),
);
const PREMIUM_READ_OPS = 10_000;
const BUDGET_PERCENT = Number(process.env.REEVALUATE_BUDGET_PERCENT ?? "20");
const IDENTITY = {
  clientId: "5ee9a000-0000-4000-8000-000000000002",
  objectId: "5ee9b000-0000-4000-8000-000000000002",
  displayName: "reevaluate-bench",
};

interface ChildInfo {
  loginServer: string;
  adminUrl: string;
  seedMs: number;
}

async function emulatorChild(images: number, identity: { jwksUri: string; issuer: string }): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), "aqg-reeval-bench-"));
  const acr = await startAcrEmulator({
    dataDir,
    caDir,
    identity,
    principals: [
      {
        id: IDENTITY.objectId,
        displayName: IDENTITY.displayName,
        roles: ["AcrQuarantineReader", "AcrQuarantineWriter", "AcrPush", "Reader"],
      },
    ],
    settings: { quarantinePolicy: "enabled" },
  });
  const started = performance.now();
  const seeded = await fetch(`${acr.adminUrl}/seed`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      repositories: images / PER_REPOSITORY,
      manifestsPerRepository: PER_REPOSITORY,
      prefix: "released",
      quarantineState: "Passed",
    }),
  });
  if (!seeded.ok) throw new Error(`seeding failed: ${seeded.status} ${await seeded.text()}`);
  console.log(
    `EMULATOR_READY ${JSON.stringify({ loginServer: acr.loginServer, adminUrl: acr.adminUrl, seedMs: performance.now() - started })}`,
  );
  const stop = async () => {
    await acr.stop();
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  };
  process.once("SIGTERM", () => void stop());
  process.stdin.resume();
  process.stdin.once("end", () => void stop());
}

async function startChild(images: number, identity: { jwksUri: string; issuer: string }) {
  const child = spawn(
    process.execPath,
    [fileURLToPath(import.meta.url), "--emulator-child", String(images), identity.jwksUri, identity.issuer],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  const lines = createInterface({ input: child.stdout! });
  const info = await new Promise<ChildInfo>((resolveInfo, reject) => {
    child.once("exit", (code) => reject(new Error(`the emulator child exited (${code}) before it was ready`)));
    lines.on("line", (line) => {
      if (line.startsWith("EMULATOR_READY ")) resolveInfo(JSON.parse(line.slice(15)) as ChildInfo);
    });
  });
  return { child, info };
}

async function stopChild(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once("exit", r));
  child.stdin?.end();
  await exited;
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

const critical = (n: number): Reason => ({
  kind: "finding-blocks",
  finding: {
    vulnerabilityId: `CVE-2026-${n}`,
    package: "openssl",
    installedVersion: "3.0.1",
    target: "app",
    severity: "Critical",
  },
  setting: "blockAt",
  threshold: "High",
});

interface Measured {
  images: number;
  wallMs: number;
  peakRssMb: number;
  stats: Record<string, number>;
  concurrency: number;
  opened: number;
  throttled: number;
}

async function measure(info: ChildInfo, budgeted: boolean): Promise<Measured> {
  await admin(
    info,
    "PUT",
    "/throttling",
    budgeted ? { readOpsPerMinute: PREMIUM_READ_OPS, writeOpsPerMinute: 2_000, burstSeconds: 60 } : null,
  );
  const readsPerMinute = budgeted ? Math.floor((BUDGET_PERCENT / 100) * PREMIUM_READ_OPS) : 10_000_000;
  const acr = new AcrClient({
    credential: new ManagedIdentityCredential({ clientId: IDENTITY.clientId }),
    allowedRegistries: [info.loginServer],
  });
  const registry = acr.registry(info.loginServer, { requestsPerMinute: readsPerMinute });
  const policy = parsePolicy({ version: 1 });
  const store = new MemoryRemediationStore();
  let audited = 0;
  let n = 0;
  // The stand-in re-scan: the manifest read any scanner makes first, then a judgement (1 % get a Critical).
  const rescanner = {
    rescan: async (image: { repository: string; digest: string }): Promise<FreshJudgement> => {
      await registry.getManifest(image.repository, image.digest);
      n += 1;
      return n % 100 === 0
        ? { usable: true, decision: "fail", reasons: [critical(n)], omittedReasons: 0 }
        : { usable: true, decision: "pass", reasons: [], omittedReasons: 0 };
    },
  };
  await admin(info, "DELETE", "/stats");
  global.gc?.();
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25);
  const now = new Date();
  const started = performance.now();
  const { candidates } = await listCandidates(
    {
      policy,
      registries: [{ loginServer: info.loginServer, client: registry }],
      store,
      inUse: [],
      readsPerMinute,
      readsPerImage: 1,
      maxConcurrency: 16,
    },
    now,
  );
  const concurrency = concurrencyWithin({ readsPerMinute, readsPerImage: 1, secondsPerImage: 1, maxConcurrency: 16 });
  let opened = 0;
  let next = 0;
  const worker = async () => {
    while (next < candidates.length) {
      const candidate = candidates[next++]!;
      const result = await reevaluateImage(
        {
          policy,
          policyVersion: "bench",
          store,
          rescanner,
          audit: { record: async () => void (audited += 1) },
          notifier: { notify: async () => undefined },
          log: () => undefined,
        },
        { runId: "bench", image: candidate, now: now.toISOString(), purpose: "scheduled" },
      );
      opened += result.opened;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const wallMs = performance.now() - started;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  const stats = (await admin(info, "GET", "/stats")) as Record<string, number>;
  if (candidates.length === 0) throw new Error("no candidates: the seeding did not produce released images");
  return {
    images: candidates.length,
    wallMs,
    peakRssMb: peak / 2 ** 20,
    stats,
    concurrency,
    opened,
    throttled: stats.throttled ?? 0,
  };
}

/** The emulator's aggregate of data-plane reads (acr.read counts every /acr/v1 GET: catalog, lists, manifests). */
function reads(stats: Record<string, number>): number {
  return stats["acr.read"] ?? 0;
}

function describe(label: string, m: Measured): string {
  const r = reads(m.stats);
  const kinds = Object.entries(m.stats)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  return [
    `  ${label.padEnd(12)} images ${m.images}   wall ${(m.wallMs / 1000).toFixed(1)} s   concurrency ${m.concurrency}   peak RSS ${m.peakRssMb.toFixed(0)} MB   429s ${m.throttled}   findings opened ${m.opened}`,
    `               registry reads ${r} → ${(r / m.images).toFixed(3)} per image (listing + the re-scan's manifest read); requests by kind: ${kinds}`,
  ].join("\n");
}

async function main(): Promise<void> {
  await ensureLocalCaTrusted(caDir);
  const identity = await startIdentityServer({ config: { userAssigned: [IDENTITY] } });
  useIdentityEndpointInProcess(identity);
  const results = new Map<number, { free: Measured; budget?: Measured }>();
  try {
    for (const size of SIZES) {
      console.log(`seeding ${size} released images (${size / PER_REPOSITORY} repositories × ${PER_REPOSITORY}) …`);
      const { child, info } = await startChild(size, identity);
      try {
        console.log(`  seeded in ${(info.seedMs / 1000).toFixed(1)} s`);
        const free = await measure(info, false);
        console.log(describe("unthrottled", free));
        const budget = BUDGET_SIZES.has(size) ? await measure(info, true) : undefined;
        if (budget) console.log(describe(`at ${BUDGET_PERCENT} %`, budget));
        results.set(size, { free, ...(budget ? { budget } : {}) });
      } finally {
        await stopChild(child);
      }
    }
  } finally {
    await identity.close();
  }
  const small = results.get(Math.min(...SIZES));
  const large = results.get(Math.max(...SIZES));
  if (small && large && small !== large) {
    const ratio = (a: number, b: number) => (a / b).toFixed(2);
    console.log(
      `\ncost ratio ${Math.max(...SIZES)}/${Math.min(...SIZES)} (linear ≈ ${Math.max(...SIZES) / Math.min(...SIZES)}): registry reads ${ratio(reads(large.free.stats), reads(small.free.stats))}, unthrottled wall ${ratio(large.free.wallMs, small.free.wallMs)}${small.budget && large.budget ? `, wall at budget ${ratio(large.budget.wallMs, small.budget.wallMs)}` : ""}`,
    );
  }
  console.log(
    `A real re-scan also pulls the image: REEVALUATE_READS_PER_IMAGE (default 4: manifest, config, layers) reads each; at ${BUDGET_PERCENT} % of Premium (${Math.floor((BUDGET_PERCENT / 100) * PREMIUM_READ_OPS)}/min) 10,000 images then take about ${((10_000 * 4) / Math.floor((BUDGET_PERCENT / 100) * PREMIUM_READ_OPS)).toFixed(0)} min of read budget.`,
  );
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
    console.error(`bench:reevaluate failed: ${error.stack ?? error.message}`);
    process.exit(2);
  });
}
