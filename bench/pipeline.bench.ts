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
 *  5. a webhook burst: 900 `quarantine` deliveries at once, as a registry sends them after a burst of pushes → the
 *     webhook's answer time (p50, p99; target p99 < 1 s, shorter than a sender's timeout) and the time until every
 *     image is decided; first the same burst against a bare Node server, the machine's floor. For both, this
 *     process's CPU until the last answer (bench/process-cpu.ts): the devhost runs here, the sender does not. The
 *     sender writes raw HTTP/1.1 on one connection per delivery (bench/webhook-sender.ts says why;
 *     BENCH_WEBHOOK_SENDER_KIND=fetch sends with undici's fetch, as before).
 *  6. what attesting a decision adds per image (bench/attestation-cost.ts): registry requests and ms;
 *  7. the whole pipeline with attestations on against off (bench/attested-pipeline-cost.ts): registry writes and
 *     reads per image, the referrers' own quarantine pipelines included, and push → released.
 * npm run bench:pipeline starts Node with --max-semi-space-size=64, as infra/modules/function-app.bicep starts the
 * deployed worker (languageWorkers__node__arguments): the devhost runs in this process, and with the default young
 * generation the webhook burst's GC pauses were about 130 ms of its roughly 1 s of CPU (with the flag about 80 ms).
 * BENCH_SECTIONS (comma-separated; default all) picks the parts: `sequential` (1), `burst` (2–4), `webhook` (5's
 * floor and answers), `decided` (5's wait until every image of the webhook burst is decided: minutes), `attested`
 * (6, 7). `BENCH_SECTIONS=webhook` measures the webhook's answers alone in about a minute; BENCH_CPU_PROFILE=<file>
 * writes a CPU profile of the burst's answers.
 */
import { spawn } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startLocalStack, type LocalStack } from "../local/stack/compose.js";
import { APP_IDENTITY, DEMO_CREDENTIALS, DEVELOPER_IDENTITY } from "../local/stack/defaults.js";
import { projectRoot } from "../local/stack/paths.js";
import { ensureLocalCaTrusted } from "../local/stack/trust.js";
import { listen } from "../local/http/server.js";
import { readBody } from "../local/http/body.js";
import { attestationCost } from "./attestation-cost.js";
import { costLine, sequentialCost, type SequentialCost } from "./attested-pipeline-cost.js";
import { traceCpu } from "./process-cpu.js";
import { sendBurst, senderKind, type Burst, type Delivery } from "./webhook-sender.js";

const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 30);
const BURST = Number(process.env.BENCH_BURST ?? 200);
const WEBHOOK_BURST = Number(process.env.BENCH_WEBHOOK_BURST ?? 900);
const ATTESTED = Number(process.env.BENCH_ATTESTED ?? 30);
const SECTION_NAMES = ["sequential", "burst", "webhook", "decided", "attested"] as const;
type Section = (typeof SECTION_NAMES)[number];

/** BENCH_SECTIONS as a set; an unknown name stops the bench rather than silently measuring something else. */
function sections(value: string | undefined): ReadonlySet<Section> {
  if (value === undefined || value.trim() === "") return new Set(SECTION_NAMES);
  const names = value.split(",").map((name) => name.trim());
  const unknown = names.filter((name) => !(SECTION_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0)
    throw new Error(`BENCH_SECTIONS: unknown ${unknown.join(", ")} (known: ${SECTION_NAMES.join(", ")})`);
  return new Set(names as Section[]);
}
const SECTIONS = sections(process.env.BENCH_SECTIONS);
/** How the burst is sent (bench/webhook-sender.ts): raw sockets by default, `fetch` to compare with earlier figures. */
const SENDER_KIND = senderKind(process.env.BENCH_WEBHOOK_SENDER_KIND);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Pushes images over the registry API directly (one layer and config shared, a distinct manifest each). */
class Pusher {
  private token = "";
  constructor(
    private readonly stack: LocalStack,
    readonly repository: string,
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

/** A burst's answers, and this process's CPU (and GC pause) milliseconds from the first send until the last answer. */
interface BurstAnswers {
  deliveries: Delivery[];
  cpuMs: number;
  gcMs: number;
}

/**
 * The webhook under a burst: the registry's own webhook to the gate is switched off while the images are pushed, then
 * every image's `quarantine` event is delivered at once, as ACR would after a burst of pushes (each delivery its own
 * connection, with the function key as ACR sends it). Returns the answers and when the last image was released.
 */
async function webhookBurst(
  stack: LocalStack,
  pusher: Pusher,
  count: number,
  /** Undefined: the answers alone are measured, not the time until every image is decided. */
  waitReleased: ((digest: string, timeoutMs: number) => Promise<void>) | undefined,
): Promise<BurstAnswers & { decided?: { seconds: number; undecided: number } }> {
  // Until every image is decided the registry does not call the gate itself: each delivery of the burst is ours.
  await setGateWebhook(stack, "disabled");
  try {
    const digests: string[] = [];
    // Pushed a few at a time: the registry's speed is not what this measures.
    for (let i = 0; i < count; i += 25)
      digests.push(
        ...(await Promise.all(Array.from({ length: Math.min(25, count - i) }, (_, j) => pusher.push(`hook-${i + j}`)))),
      );
    const bodies = digests.map((digest, i) => deliveryBody(stack, pusher.repository, digest, i));
    const started = performance.now();
    const answers = await profiled(process.env.BENCH_CPU_PROFILE, () =>
      sendFromAnotherProcess({
        url: `${stack.devhost.url}/api/acr/events`,
        functionKey: stack.devhost.keys.functionKey,
        bodies,
      }),
    );
    if (!waitReleased) return answers;
    const results = await Promise.allSettled(digests.map((d) => waitReleased(d, 600_000)));
    return {
      ...answers,
      decided: {
        seconds: (performance.now() - started) / 1000,
        undecided: results.filter((r) => r.status === "rejected").length,
      },
    };
  } finally {
    await setGateWebhook(stack, "enabled");
  }
}

/**
 * BENCH_CPU_PROFILE=<file>: a CPU profile of this process (the devhost and everything else the stack runs in it)
 * while the burst is answered, for Chrome DevTools or `node --cpu-prof`'s readers. The profiler's sampling costs a
 * little: profiled figures are for finding where the time goes, not for the table.
 */
async function profiled<T>(file: string | undefined, work: () => Promise<T>): Promise<T> {
  if (!file) return work();
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))),
    );
  await post("Profiler.enable");
  await post("Profiler.setSamplingInterval", { interval: 100 });
  await post("Profiler.start");
  try {
    return await work();
  } finally {
    const { profile } = (await post("Profiler.stop")) as { profile: unknown };
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  }
}

/** One `quarantine` event shaped like ACR's (acr-protocol.md §4.2). */
function deliveryBody(stack: LocalStack, repository: string, digest: string, i: number): string {
  return JSON.stringify({
    id: randomUUID(),
    timestamp: new Date().toISOString(),
    action: "quarantine",
    target: { mediaType: "application/vnd.oci.image.manifest.v1+json", digest, repository, tag: `hook-${i}` },
    request: { id: randomUUID(), host: stack.acr.loginServer, method: "PUT", useragent: "bench" },
  });
}

/**
 * The deliveries come from a process of their own, as a registry's come from another machine: the sender's work
 * (900 connections and requests) is not done on the event loop of the host it measures.
 */
async function sendFromAnotherProcess(burst: Burst): Promise<BurstAnswers> {
  const trace = await traceCpu(async () => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
      env: { ...process.env, BENCH_WEBHOOK_SENDER: "1" },
      stdio: ["pipe", "pipe", "inherit"],
    });
    child.stdin.end(JSON.stringify(burst));
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    if (code !== 0) throw new Error(`the webhook sender exited with ${code}`);
    return JSON.parse(output) as Delivery[];
  });
  // Until the last answer: what follows it (the drain starting the pipelines) is not the answers' cost.
  const lastAnswer = Math.max(...trace.result.map((d) => d.answeredAt));
  return { deliveries: trace.result, cpuMs: trace.cpuUntil(lastAnswer), gcMs: trace.gcUntil(lastAnswer) };
}

/** The same burst against a server that does nothing but answer 202: what the machine itself costs. */
async function floorBurst(count: number): Promise<BurstAnswers> {
  const server = await listen((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(202, { "Content-Type": "application/json" }).end('{"accepted":true}'));
  }, {});
  try {
    const body = JSON.stringify({ action: "quarantine", target: { digest: `sha256:${"0".repeat(64)}` } });
    return await sendFromAnotherProcess({
      url: `http://127.0.0.1:${server.port}/`,
      functionKey: "none",
      bodies: Array.from({ length: count }, () => body),
    });
  } finally {
    await server.close();
  }
}

async function setGateWebhook(stack: LocalStack, status: "enabled" | "disabled"): Promise<void> {
  const response = await fetch(`${stack.acr.adminUrl}/webhooks/gate`, {
    method: "PUT",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      serviceUri: `${stack.devhost.url}/api/acr/events`,
      customHeaders: { "x-functions-key": stack.devhost.keys.functionKey },
      actions: ["quarantine", "push", "delete"],
      scope: "",
      status,
    }),
  });
  if (response.status !== 204) throw new Error(`webhook ${status} → ${response.status}`);
}

function cpuLine(answers: BurstAnswers, count: number): string {
  return `${answers.cpuMs.toFixed(0)} ms (${(answers.cpuMs / count).toFixed(2)} ms per delivery; GC pauses ${answers.gcMs.toFixed(0)} ms)`;
}

/** BENCH_ATTESTED_CHILD: this process runs only the attested stack's sequential run and prints its cost. */
const ATTESTED_CHILD = process.env.BENCH_ATTESTED_CHILD === "1";
const COST_MARK = "ATTESTED-COST ";
/** The environment before any stack ran: a devhost writes its app settings into process.env while it runs. */
const STARTING_ENV = { ...process.env };

async function attestedInAnotherProcess(): Promise<SequentialCost> {
  // With this process's Node flags: its devhost is compared with the one here.
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
    env: { ...STARTING_ENV, BENCH_ATTESTED_CHILD: "1" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  const line = output.split("\n").find((l) => l.startsWith(COST_MARK));
  if (code !== 0 || !line) throw new Error(`the attested run exited with ${code}: ${output.slice(-2000)}`);
  return JSON.parse(line.slice(COST_MARK.length)) as SequentialCost;
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
    // The attested run: a signing key, as `azd up` sets one (ATTESTATION_KEY_VAULT_KEY_ID there).
    ...(ATTESTED_CHILD
      ? { settings: { ATTESTATION_SIGNING_KEY_FILE: join(work, "state", "attestation", "signing-key.pem") } }
      : {}),
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
  let failed = false;
  try {
    const pusher = new Pusher(stack, "bench/app");
    await pusher.setUp();
    // Warm-up: first token exchanges, first activity, first table writes.
    const warmup = await pusher.push("warmup");
    await waitReleased(warmup, 30_000).catch(async (error: unknown) => {
      const reference = `${stack.acr.loginServer}/${pusher.repository}@${warmup}`;
      const status = await fetch(`${stack.devhost.url}/api/images/status?image=${encodeURIComponent(reference)}`, {
        headers: { "x-functions-key": stack.devhost.keys.functionKey },
      });
      throw new Error(`${(error as Error).message}; its status: ${(await status.text()).slice(0, 3000)}`);
    });
    if (ATTESTED_CHILD) {
      const cost = await sequentialCost(stack, pusher, ATTESTED, waitReleased, "attested");
      console.log(`${COST_MARK}${JSON.stringify(cost)}`);
      return;
    }
    // The devhost runs in this process: its Node flags are the app's (npm run bench:pipeline gives the deployed
    // worker's, languageWorkers__node__arguments in infra/modules/function-app.bicep).
    const flags = process.execArgv.length > 0 ? process.execArgv.join(" ") : "none";
    console.log(`bench:pipeline — local stack, instant scanner, auto-release (Node flags: ${flags})`);

    if (SECTIONS.has("sequential") && SEQUENTIAL > 0) {
      const overheads: number[] = [];
      for (let i = 0; i < SEQUENTIAL; i++) {
        const digest = await pusher.push(`seq-${i}`);
        const pushedAt = performance.now();
        await waitReleased(digest, 30_000);
        overheads.push(released.get(digest)! - pushedAt);
      }
      const p50 = percentile(overheads, 50);
      const p95 = percentile(overheads, 95);
      failed ||= !(p50 < 1000 && p95 < 2000);
      console.log(
        `  push → released (one at a time, n=${SEQUENTIAL}): p50 ${p50.toFixed(0)} ms (target < 1000 ${p50 < 1000 ? "PASS" : "MISS"}), p95 ${p95.toFixed(0)} ms (target < 2000 ${p95 < 2000 ? "PASS" : "MISS"})`,
      );
    }

    if (SECTIONS.has("burst") && BURST > 0) {
      await fetch(`${stack.acr.adminUrl}/stats`, { method: "DELETE" });
      const burstStarted = performance.now();
      const digests = await Promise.all(Array.from({ length: BURST }, (_, i) => pusher.push(`burst-${i}`)));
      const results = await Promise.allSettled(digests.map((d) => waitReleased(d, 300_000)));
      const burstSeconds = (performance.now() - burstStarted) / 1000;
      const lost = results.filter((r) => r.status === "rejected").length;
      const stats = (await (await fetch(`${stack.acr.adminUrl}/stats`)).json()) as Record<string, number>;
      const writes = (stats["acr.manifests.patch"] ?? 0) / BURST;
      const reads = ((stats["acr.manifests.get"] ?? 0) + (stats["acr.manifests.list"] ?? 0)) / BURST;
      const tokens = ((stats["oauth.token"] ?? 0) + (stats["oauth.exchange"] ?? 0)) / BURST;
      const scannerPulls = (stats["v2.read"] ?? 0) / BURST;
      failed ||= !(lost === 0 && writes <= 1 && reads <= 1);
      console.log(
        `  burst of ${BURST} pushes: ${BURST - lost} released, ${lost} lost (target 0 lost ${lost === 0 ? "PASS" : "MISS"}) in ${burstSeconds.toFixed(1)} s (${(BURST / burstSeconds).toFixed(1)} images/s)`,
      );
      console.log(
        `  gate's registry requests per released image: ${writes.toFixed(2)} write + ${reads.toFixed(2)} read + ${tokens.toFixed(3)} token requests (target 1 + 1 + amortised ${writes <= 1 && reads <= 1 ? "PASS" : "MISS"})`,
      );
      console.log(
        `  (the scanner's own manifest pulls: ${scannerPulls.toFixed(2)} per image; registry stats: ${JSON.stringify(stats)})`,
      );
    }

    const worker = workerCosts(workerLines);
    if (!SECTIONS.has("sequential") && !SECTIONS.has("burst")) {
      // no scans were asked for: nothing to report about the worker
    } else if (worker.trivy.length > 0)
      console.log(
        `  scan worker per scan (n=${worker.trivy.length}): stand-in trivy p50 ${percentile(worker.trivy, 50).toFixed(0)} ms p95 ${percentile(worker.trivy, 95).toFixed(0)} ms; the worker's own time around it (checks, callback post until accepted, delete) p50 ${percentile(worker.overhead, 50).toFixed(0)} ms p95 ${percentile(worker.overhead, 95).toFixed(0)} ms`,
      );
    else console.log("  scan worker: no scans seen in its log (SCANNER_KIND is not queue?)");
    if ((SECTIONS.has("webhook") || SECTIONS.has("decided")) && WEBHOOK_BURST > 0) {
      // The machine's floor: the same burst, from the same sender, answered at once by a bare Node server.
      const floorAnswers = await floorBurst(WEBHOOK_BURST);
      const floor = floorAnswers.deliveries.map((d) => d.ms);
      console.log(
        `  floor: a bare Node HTTP server answering ${WEBHOOK_BURST} deliveries at once: p50 ${percentile(floor, 50).toFixed(0)} ms, p99 ${percentile(floor, 99).toFixed(0)} ms (this machine, now; sender: ${SENDER_KIND}); its process's CPU until the last answer ${cpuLine(floorAnswers, WEBHOOK_BURST)}`,
      );
      const burst = await webhookBurst(
        stack,
        pusher,
        WEBHOOK_BURST,
        SECTIONS.has("decided") ? waitReleased : undefined,
      );
      const times = burst.deliveries.map((d) => d.ms);
      const p50 = percentile(times, 50);
      const p99 = percentile(times, 99);
      const statuses: Record<string, number> = {};
      for (const d of burst.deliveries) {
        const key = d.error ? `no answer (${d.error})` : String(d.status);
        statuses[key] = (statuses[key] ?? 0) + 1;
      }
      const accepted = burst.deliveries.filter((d) => d.status === 202).length;
      failed ||= !(p99 < 1000 && accepted === WEBHOOK_BURST && (burst.decided?.undecided ?? 0) === 0);
      console.log(
        `  webhook burst of ${WEBHOOK_BURST} deliveries at once: answer p50 ${p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms, max ${Math.max(...times).toFixed(0)} ms (target p99 < 1000 ${p99 < 1000 ? "PASS" : "MISS"}); answers ${JSON.stringify(statuses)}`,
      );
      console.log(
        `  … the devhost's process CPU until the last answer ${cpuLine(burst, WEBHOOK_BURST)} (less sensitive to the neighbours' load than the answer times)`,
      );
      const decided = burst.decided;
      if (decided)
        console.log(
          `  … every image decided ${decided.seconds.toFixed(1)} s after the first delivery (${(WEBHOOK_BURST / decided.seconds).toFixed(1)} images/s), ${decided.undecided} undecided (target 0 ${decided.undecided === 0 ? "PASS" : "MISS"})`,
        );
    }
    if (SECTIONS.has("attested") && ATTESTED > 0) {
      // 6. what attesting a decision adds per image (src/attest/): registry requests and milliseconds.
      console.log(
        await attestationCost(
          stack,
          ATTESTED,
          (tag) => pusher.push(tag),
          pusher.repository,
          work,
          (status) => setGateWebhook(stack, status),
        ),
      );
      // 7. the same, as the whole product pays it: a stack with attestations on (in a process of its own: one
      //    devhost and one composition root per process) against this one, with the same pushes.
      const plain = await sequentialCost(stack, pusher, ATTESTED, waitReleased, "plain");
      console.log(costLine(plain, await attestedInAnotherProcess(), ATTESTED));
    }
    process.exitCode = failed ? 1 : 0;
  } finally {
    await receiver.close();
    await stack.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

async function sender(): Promise<void> {
  let input = "";
  for await (const chunk of process.stdin) input += String(chunk);
  process.stdout.write(JSON.stringify(await sendBurst(JSON.parse(input) as Burst, SENDER_KIND)));
}

(process.env.BENCH_WEBHOOK_SENDER === "1"
  ? sender()
  : main().then(() => {
      // The stack is stopped; pipelines it cut short (BENCH_SECTIONS without `decided`) leave the app's retry timers
      // behind, which would keep this process alive for minutes after its last line.
      if (!SECTIONS.has("decided")) process.exit();
    })
).catch((error: Error) => {
  console.error(`bench:pipeline failed: ${error.stack ?? error.message}`);
  process.exit(2);
});
