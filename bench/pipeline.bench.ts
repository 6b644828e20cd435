/**
 * npm run bench:pipeline — the whole product on the local stack, through the default scan path (SCANNER_KIND=queue:
 * the scan queue, the scanner-worker process and the stand-in trivy, which pulls the manifest with the request's token
 * and replays a recorded one-Medium report, so it is near-instant) with auto-release:
 *  1. push-to-release overhead: from the manifest PUT's answer to the registry's `push` webhook that follows the
 *     release (p50, p95; targets < 1 s, < 2 s), pushes one at a time;
 *  2. a burst of 200 pushes → every image released, none lost;
 *  3. registry requests per released image (target: 1 write + 1 read, plus amortised tokens);
 *  4. the scan worker's own cost per scan, from its log lines: the stand-in trivy's run, and everything else the worker
 *     does between taking a request and the gate accepting its report (checks, the callback post, the delete).
 */
import { createHash, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalStack, type LocalStack } from "../local/stack/compose.js";
import { APP_IDENTITY, DEMO_CREDENTIALS, DEVELOPER_IDENTITY } from "../local/stack/defaults.js";
import { projectRoot } from "../local/stack/paths.js";
import { ensureLocalCaTrusted } from "../local/stack/trust.js";
import { listen } from "../local/http/server.js";
import { readBody } from "../local/http/body.js";

const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 30);
const BURST = Number(process.env.BENCH_BURST ?? 200);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Pushes images over the registry API directly (one layer and config shared, a distinct manifest each). */
class Pusher {
  private token = "";
  constructor(
    private readonly stack: LocalStack,
    private readonly repository: string,
  ) {}

  async setUp(): Promise<void> {
    const basic = Buffer.from(`${DEMO_CREDENTIALS.username}:${DEMO_CREDENTIALS.password}`).toString("base64");
    const url = `${this.stack.acr.url}/oauth2/token?service=${this.stack.acr.loginServer}&scope=repository:${this.repository}:pull,push`;
    this.token = (
      (await (await fetch(url, { headers: { Authorization: `Basic ${basic}` } })).json()) as { access_token: string }
    ).access_token;
    await this.blob(
      Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] } })),
    );
  }

  configDigest = "";

  private async blob(content: Buffer): Promise<string> {
    const digest = `sha256:${createHash("sha256").update(content).digest("hex")}`;
    const start = await fetch(`${this.stack.acr.url}/v2/${this.repository}/blobs/uploads/`, {
      method: "POST",
      headers: { Authorization: `Bearer ${this.token}` },
    });
    const location = new URL(start.headers.get("location")!, this.stack.acr.url);
    location.searchParams.set("digest", digest);
    const put = await fetch(location, {
      method: "PUT",
      headers: { Authorization: `Bearer ${this.token}`, "Content-Type": "application/octet-stream" },
      body: content,
    });
    if (put.status !== 201) throw new Error(`blob upload → ${put.status}`);
    this.configDigest = digest;
    return digest;
  }

  /** PUTs a new manifest; resolves with its digest when the registry has answered 201. */
  async push(tag: string): Promise<string> {
    const body = JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: this.configDigest, size: 0 },
      layers: [],
      annotations: { "bench.nonce": randomUUID() },
    });
    const response = await fetch(`${this.stack.acr.url}/v2/${this.repository}/manifests/${tag}`, {
      method: "PUT",
      headers: { Authorization: `Bearer ${this.token}`, "Content-Type": "application/vnd.oci.image.manifest.v1+json" },
      body,
    });
    if (response.status !== 201) throw new Error(`manifest PUT → ${response.status}: ${await response.text()}`);
    return response.headers.get("docker-content-digest")!;
  }
}

interface WorkerLine {
  time: string;
  event: string;
  scanId?: string;
  durationMs?: number;
}
const workerLines: WorkerLine[] = [];

/** Per scan: the stand-in trivy's run, and the rest of the worker's time from scan-started to report-accepted. */
function workerCosts(lines: WorkerLine[]): { trivy: number[]; overhead: number[] } {
  const byScan = new Map<string, Partial<Record<string, WorkerLine>>>();
  for (const line of lines) {
    if (!line.scanId) continue;
    const events = byScan.get(line.scanId) ?? {};
    events[line.event] = line;
    byScan.set(line.scanId, events);
  }
  const trivy: number[] = [];
  const overhead: number[] = [];
  for (const events of byScan.values()) {
    const started = events["scan-started"];
    const finished = events["scan-finished"];
    const accepted = events["report-accepted"];
    if (!started || !finished?.durationMs || !accepted) continue;
    trivy.push(finished.durationMs);
    overhead.push(Date.parse(accepted.time) - Date.parse(started.time) - finished.durationMs);
  }
  return { trivy, overhead };
}

async function main(): Promise<void> {
  const caDir = join(projectRoot(), ".local", "bench-tls");
  await ensureLocalCaTrusted(caDir);
  const work = mkdtempSync(join(tmpdir(), "aqg-bench-pipeline-"));
  const stack = await startLocalStack({
    stateDir: join(work, "state"),
    caDir,
    identities: [APP_IDENTITY, DEVELOPER_IDENTITY],
    scannerPendingPolls: 0,
    logSinks: [
      (entry) => {
        if (entry.category !== "ScanWorker") return;
        try {
          workerLines.push(JSON.parse(entry.message) as WorkerLine);
        } catch {
          // not one of the worker's JSON lines
        }
      },
    ],
  });
  // The registry announces each release with a `push` webhook; a second webhook to this receiver timestamps them.
  const released = new Map<string, number>();
  const waiters = new Map<string, () => void>();
  const receiver = await listen(async (req, res) => {
    const event = JSON.parse((await readBody(req, 1 << 20)).toString()) as {
      action: string;
      target?: { digest: string };
    };
    if (event.action === "push" && event.target) {
      released.set(event.target.digest, performance.now());
      waiters.get(event.target.digest)?.();
    }
    res.writeHead(200).end();
  }, {});
  await fetch(`${stack.acr.adminUrl}/webhooks/bench`, {
    method: "PUT",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ serviceUri: `http://127.0.0.1:${receiver.port}/`, actions: ["push"], scope: "" }),
  });
  await fetch(`${stack.acr.adminUrl}/throttling`, {
    method: "PUT",
    headers: { "Content-Type": "application/json" },
    body: "null",
  });
  const waitReleased = (digest: string, timeoutMs: number) =>
    released.has(digest)
      ? Promise.resolve()
      : new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`${digest} not released within ${timeoutMs} ms`)), timeoutMs);
          waiters.set(digest, () => {
            clearTimeout(timer);
            resolve();
          });
        });
  try {
    const pusher = new Pusher(stack, "bench/app");
    await pusher.setUp();
    // Warm-up: first token exchanges, first activity, first table writes.
    await waitReleased(await pusher.push("warmup"), 30_000);

    const overheads: number[] = [];
    for (let i = 0; i < SEQUENTIAL; i++) {
      const digest = await pusher.push(`seq-${i}`);
      const pushedAt = performance.now();
      await waitReleased(digest, 30_000);
      overheads.push(released.get(digest)! - pushedAt);
    }

    await fetch(`${stack.acr.adminUrl}/stats`, { method: "DELETE" });
    const burstStarted = performance.now();
    const digests = await Promise.all(Array.from({ length: BURST }, (_, i) => pusher.push(`burst-${i}`)));
    const results = await Promise.allSettled(digests.map((d) => waitReleased(d, 300_000)));
    const burstSeconds = (performance.now() - burstStarted) / 1000;
    const lost = results.filter((r) => r.status === "rejected").length;
    const stats = (await (await fetch(`${stack.acr.adminUrl}/stats`)).json()) as Record<string, number>;

    const p50 = percentile(overheads, 50);
    const p95 = percentile(overheads, 95);
    const writes = (stats["acr.manifests.patch"] ?? 0) / BURST;
    const reads = ((stats["acr.manifests.get"] ?? 0) + (stats["acr.manifests.list"] ?? 0)) / BURST;
    const tokens = ((stats["oauth.token"] ?? 0) + (stats["oauth.exchange"] ?? 0)) / BURST;
    const scannerPulls = (stats["v2.read"] ?? 0) / BURST;
    const worker = workerCosts(workerLines);
    console.log(`bench:pipeline — local stack, queue path (scan worker + stand-in trivy), auto-release`);
    console.log(
      `  push → released (one at a time, n=${SEQUENTIAL}): p50 ${p50.toFixed(0)} ms (target < 1000 ${p50 < 1000 ? "PASS" : "MISS"}), p95 ${p95.toFixed(0)} ms (target < 2000 ${p95 < 2000 ? "PASS" : "MISS"})`,
    );
    console.log(
      `  burst of ${BURST} pushes: ${BURST - lost} released, ${lost} lost (target 0 lost ${lost === 0 ? "PASS" : "MISS"}) in ${burstSeconds.toFixed(1)} s (${(BURST / burstSeconds).toFixed(1)} images/s)`,
    );
    console.log(
      `  gate's registry requests per released image: ${writes.toFixed(2)} write + ${reads.toFixed(2)} read + ${tokens.toFixed(3)} token requests (target 1 + 1 + amortised ${writes <= 1 && reads <= 1 ? "PASS" : "MISS"})`,
    );
    console.log(
      `  (the scanner's own manifest pulls: ${scannerPulls.toFixed(2)} per image; registry stats: ${JSON.stringify(stats)})`,
    );
    if (worker.trivy.length > 0)
      console.log(
        `  scan worker per scan (n=${worker.trivy.length}): stand-in trivy p50 ${percentile(worker.trivy, 50).toFixed(0)} ms p95 ${percentile(worker.trivy, 95).toFixed(0)} ms; the worker's own time around it (checks, callback post until accepted, delete) p50 ${percentile(worker.overhead, 50).toFixed(0)} ms p95 ${percentile(worker.overhead, 95).toFixed(0)} ms`,
      );
    else console.log("  scan worker: no scans seen in its log (SCANNER_KIND is not queue?)");
    process.exitCode = lost === 0 && p50 < 1000 && p95 < 2000 && writes <= 1 && reads <= 1 ? 0 : 1;
  } finally {
    await receiver.close();
    await stack.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  console.error(`bench:pipeline failed: ${error.stack ?? error.message}`);
  process.exit(2);
});
