/**
 * npm run bench:acr — 1,000 quarantine writes (PATCH + read back) over 50 repositories through the registry client,
 * authenticated by the real ManagedIdentityCredential against the local identity endpoint and ACR emulator (HTTPS).
 * Each write is paired with a raw PATCH of another manifest with a pre-fetched token over the same Node https
 * transport, under the same load, so the ratio is the client's own cost. Prints exchanges, token requests, p50/p99
 * and PASS/MISS against: 1 exchange, ≤ 50 token requests, p50 ratio ≤ 1.1.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { Agent, request as httpsRequest } from "node:https";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ManagedIdentityCredential } from "@azure/identity";
import { startIdentityServer, type IdentityServer } from "../local/identity/server.js";
import { startAcrEmulator, type AcrEmulator } from "../local/acr-emulator/server.js";
import { ensureLocalCa } from "../local/tls/ca.js";
import { AcrClient, QuarantineDetailsBuilder } from "../src/acr/index.js";
import { useIdentityEndpointInProcess } from "../local/identity/process-environment.js";

const WRITES = Number(process.env.BENCH_WRITES ?? 1000);
const REPOSITORIES = Number(process.env.BENCH_REPOSITORIES ?? 50);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const TARGETS = { exchanges: 1, tokenRequests: 50, ratio: 1.1 };
const caDir = resolve(import.meta.dirname, "../../.local/bench/tls");

const DETAILS = new QuarantineDetailsBuilder()
  .scanner("trivy")
  .state("scan passed")
  .link("https://gate.example/status")
  .result({
    version: "1.0",
    summary: [
      { severity: "Critical", count: 0 },
      { severity: "High", count: 0 },
      { severity: "Medium", count: 2 },
    ],
  })
  .build();
const PATCH_BODY = JSON.stringify({ quarantineState: "Passed", quarantineDetails: JSON.stringify(DETAILS) });

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function repositoryName(index: number): string {
  return `bench/repo-${String(index).padStart(String(REPOSITORIES - 1).length, "0")}`;
}

function seededDigest(repository: string, index: number): string {
  return `sha256:${createHash("sha256").update(`${repository}#${index}`).digest("hex")}`;
}

async function admin(acr: AcrEmulator, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${acr.adminUrl}${path}`, {
    method,
    headers: { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`admin ${method} ${path} → ${response.status}: ${text}`);
  return text ? (JSON.parse(text) as unknown) : undefined;
}

/** Tokens for the raw side, fetched by hand before timing starts (the seed procedure of acr-protocol.md §1–2). */
async function rawTokens(identity: IdentityServer, acr: AcrEmulator): Promise<Map<string, string>> {
  const aad = await fetch(
    `${identity.endpoint}?api-version=2019-08-01&resource=${encodeURIComponent("https://containerregistry.azure.net")}`,
    {
      headers: { "X-IDENTITY-HEADER": identity.identityHeader },
    },
  );
  const aadToken = ((await aad.json()) as { access_token: string }).access_token;
  const form = (fields: Record<string, string>) => ({ method: "POST", body: new URLSearchParams(fields) });
  const exchange = await fetch(
    `${acr.url}/oauth2/exchange`,
    form({ grant_type: "access_token", service: acr.loginServer, access_token: aadToken }),
  );
  const refreshToken = ((await exchange.json()) as { refresh_token: string }).refresh_token;
  const tokens = new Map<string, string>();
  for (let r = 0; r < REPOSITORIES; r++) {
    const scope = `repository:${repositoryName(r)}:metadata_read,metadata_write`;
    const response = await fetch(
      `${acr.url}/oauth2/token`,
      form({ grant_type: "refresh_token", service: acr.loginServer, refresh_token: refreshToken, scope }),
    );
    tokens.set(repositoryName(r), ((await response.json()) as { access_token: string }).access_token);
  }
  return tokens;
}

/** A raw PATCH over node:https with a keep-alive agent: the transport core-rest-pipeline's Node client uses too. */
function rawPatch(agent: Agent, acr: AcrEmulator, repository: string, digest: string, token: string): Promise<void> {
  return new Promise((resolvePatch, reject) => {
    const req = httpsRequest(`${acr.url}/acr/v1/${repository}/_manifests/${digest}`, {
      method: "PATCH",
      agent,
      headers: {
        Authorization: `Bearer ${token}`,
        "Content-Type": "application/json",
        "Content-Length": Buffer.byteLength(PATCH_BODY),
      },
    });
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        res.statusCode === 200
          ? resolvePatch()
          : reject(new Error(`raw PATCH → ${res.statusCode}: ${Buffer.concat(chunks).toString()}`)),
      );
    });
    req.on("error", reject);
    req.end(PATCH_BODY);
  });
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "aqg-bench-acr-"));
  const identity = await startIdentityServer();
  const acr = await startAcrEmulator({
    dataDir: join(work, "acr"),
    caDir,
    identity: { jwksUri: identity.jwksUri, issuer: identity.issuer },
    principals: [
      {
        id: identity.config.systemAssigned.objectId,
        displayName: "gate",
        roles: ["AcrQuarantineReader", "AcrQuarantineWriter"],
      },
    ],
    settings: { throttling: null },
  });
  const agent = new Agent({ keepAlive: true });
  try {
    // Manifests 0..k-1 of each repository for the client, k..2k-1 for the raw side: every write is a real transition.
    const perRepository = Math.ceil(WRITES / REPOSITORIES);
    await admin(acr, "POST", "/seed", {
      repositories: REPOSITORIES,
      manifestsPerRepository: 2 * perRepository,
      prefix: "bench",
      quarantineState: "Quarantined",
    });
    const tokens = await rawTokens(identity, acr);

    useIdentityEndpointInProcess(identity);
    const registry = new AcrClient({
      credential: new ManagedIdentityCredential(),
      allowedRegistries: [acr.loginServer],
    }).registry(acr.loginServer);
    await admin(acr, "DELETE", "/stats");

    const measure = async (writes: number, concurrency: number) => {
      const clientMs: number[] = [];
      const rawMs: number[] = [];
      let next = 0;
      const worker = async () => {
        for (let job = next++; job < writes; job = next++) {
          const repository = repositoryName(job % REPOSITORIES);
          const index = Math.floor(job / REPOSITORIES);
          let started = performance.now();
          const written = await registry.setQuarantineState(repository, seededDigest(repository, index), {
            state: "Passed",
            details: DETAILS,
          });
          clientMs.push(performance.now() - started);
          if (written.quarantine.status !== "released") throw new Error(`write ${job} not released`);
          started = performance.now();
          await rawPatch(
            agent,
            acr,
            repository,
            seededDigest(repository, perRepository + index),
            tokens.get(repository)!,
          );
          rawMs.push(performance.now() - started);
        }
      };
      const wall = performance.now();
      await Promise.all(Array.from({ length: concurrency }, worker));
      return { clientMs, rawMs, wallMs: performance.now() - wall };
    };
    const { clientMs, rawMs, wallMs } = await measure(WRITES, CONCURRENCY);
    const stats = (await admin(acr, "GET", "/stats")) as Record<string, number>;

    const exchanges = stats["oauth.exchange"] ?? 0;
    const tokenRequests = stats["oauth.token"] ?? 0;
    const ratio = percentile(clientMs, 50) / percentile(rawMs, 50);
    const verdict = (ok: boolean) => (ok ? "PASS" : "MISS");
    const results = [exchanges === TARGETS.exchanges, tokenRequests <= TARGETS.tokenRequests, ratio <= TARGETS.ratio];
    console.log(
      `bench:acr — ${WRITES} quarantine writes over ${REPOSITORIES} repositories, ${CONCURRENCY} at a time, ACR emulator over HTTPS, ManagedIdentityCredential`,
    );
    console.log(
      `  exchanges        ${String(exchanges).padStart(6)}   target = ${TARGETS.exchanges}    ${verdict(results[0]!)}`,
    );
    console.log(
      `  token requests   ${String(tokenRequests).padStart(6)}   target ≤ ${TARGETS.tokenRequests}   ${verdict(results[1]!)}`,
    );
    console.log(
      `  client write     p50 ${percentile(clientMs, 50).toFixed(2)} ms   p99 ${percentile(clientMs, 99).toFixed(2)} ms   (PATCH with read-back from its answer)`,
    );
    console.log(
      `  raw PATCH        p50 ${percentile(rawMs, 50).toFixed(2)} ms   p99 ${percentile(rawMs, 99).toFixed(2)} ms   (pre-fetched token)`,
    );
    console.log(`  ratio p50        ${ratio.toFixed(3)}×  target ≤ ${TARGETS.ratio}×  ${verdict(results[2]!)}`);
    console.log(
      `  ratio p99        ${(percentile(clientMs, 99) / percentile(rawMs, 99)).toFixed(3)}×  (information: includes the 50 token requests)`,
    );
    console.log(
      `  registry saw     ${stats["acr.manifests.patch"] ?? 0} PATCHes, ${stats["acr.manifests.get"] ?? 0} GETs, ${stats["throttled"] ?? 0} throttled; wall ${(wallMs / 1000).toFixed(1)} s`,
    );
    // For information: one write at a time with warm caches, where the client's own cost is least hidden by the server.
    const sequential = await measure(Math.min(WRITES, 300), 1);
    const sequentialRatio = percentile(sequential.clientMs, 50) / percentile(sequential.rawMs, 50);
    console.log(
      `  one at a time    client p50 ${percentile(sequential.clientMs, 50).toFixed(2)} ms, raw p50 ${percentile(sequential.rawMs, 50).toFixed(2)} ms, ratio ${sequentialRatio.toFixed(3)}× (information, ${sequential.clientMs.length} rewrites, warm caches)`,
    );
    process.exitCode = results.every(Boolean) ? 0 : 1;
  } finally {
    agent.destroy();
    await acr.stop();
    await identity.close();
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Node reads NODE_EXTRA_CA_CERTS only at start-up, so the bench makes sure the local CA exists and, if this process
 * was not started trusting it, runs itself again with the variable set (as vitest's global setup does for tests).
 */
async function start(): Promise<void> {
  const ca = await ensureLocalCa(caDir);
  if (process.env.NODE_EXTRA_CA_CERTS !== ca.certPath) {
    const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url)], {
      stdio: "inherit",
      env: { ...process.env, NODE_EXTRA_CA_CERTS: ca.certPath },
    });
    process.exit(child.status ?? 2);
  }
  await main();
}

start().catch((error: Error) => {
  console.error(`bench:acr failed: ${error.message}`);
  process.exit(2);
});
