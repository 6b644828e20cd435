import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChildProcess } from "node:child_process";
import { startHostProcess } from "../support/devhost-process.js";
import { createServer as createHttpServer, request as httpRequest, type Server } from "node:http";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { TableClient } from "@azure/data-tables";
import { startIdentityServer, type IdentityServer } from "../../local/identity/server.js";
import { startAcrEmulator, type AcrEmulator } from "../../local/acr-emulator/server.js";
import { callEmulatorAdmin } from "../../local/acr-emulator/admin-client.js";
import type { ManifestRecord } from "../../local/acr-emulator/model.js";
import { startScannerEmulator, type ScannerEmulator } from "../../local/scanner-emulator/server.js";
import { startAzurite, type RunningAzurite } from "../../local/azurite/index.js";
import { appSettings, pointWebhookAt } from "../../local/stack/compose.js";
import { personToken, registryCredentials } from "../../local/stack/credentials.js";
import { reportFor } from "../../local/stack/advisories.js";
import { APP_IDENTITY, CONSUMER_IDENTITY, DEMO_CREDENTIALS, STACK_PRINCIPALS } from "../../local/stack/defaults.js";
import { PEOPLE } from "../support/local-stack.js";
import { buildOciImage } from "../support/oci-image.js";
import { inspectRaw, push } from "../support/skopeo.js";
import { freshTempDir, localStateRoot } from "../support/paths.js";

/**
 * Durable delivers activities at least once: a host that dies after an activity's side effect but before its
 * completion is recorded runs the activity again after a restart. These tests kill the host (SIGKILL, a separate
 * process, as test/e2e/crash-recovery.test.ts does) exactly there — after the registry applied the release PATCH, and
 * after Table Storage stored the audit row, before the host could hear either answer — and count the effects.
 *
 * How the crash is made to land inside the write, deterministically:
 * - the PATCH: the ACR emulator runs in this process; a test-only hook on its store kills the host synchronously at
 *   the moment the emulator applies the PATCH, before it has written a byte of its answer;
 * - the audit row: the host reaches Table Storage through a plain-HTTP proxy in this process, which kills the host
 *   when Azurite answers the insert of the audit row, before passing the answer on.
 */
describe("exactly once: the host killed in the middle of a write", () => {
  let identity: IdentityServer;
  let acr: AcrEmulator;
  let azurite: RunningAzurite;
  let scanner: ScannerEmulator;
  let proxy: TableProxy;
  let host: ChildProcess | undefined;
  let port: number;
  const functionKey = "exactly-once-function-key-0123456789";
  const systemKey = "exactly-once-durable-system-key-012345";
  let settings: Record<string, string>;
  let storage: string;

  const startHost = (): Promise<ChildProcess> => startHostProcess({ storage: storage, port, settings });

  /** Kills the host now (synchronously: the signal is sent before this returns) and notes that it happened. */
  let killed: Promise<void> | undefined;
  function killHost(): void {
    const victim = host!;
    killed = new Promise((resolve) => victim.once("exit", () => resolve()));
    victim.kill("SIGKILL");
  }
  async function restartAfterKill(): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (!killed) {
      if (Date.now() > deadline) throw new Error("the host was never killed: the write did not happen");
      await new Promise((r) => setTimeout(r, 50));
    }
    await killed;
    killed = undefined;
    host = await startHost();
  }

  const url = () => `http://127.0.0.1:${port}`;
  const status = async (reference: string) =>
    (await (
      await fetch(`${url()}/api/images/status?image=${encodeURIComponent(reference)}`, {
        headers: { "x-functions-key": functionKey },
      })
    ).json()) as Record<string, unknown>;
  async function waitFor(
    reference: string,
    done: (b: Record<string, unknown>) => boolean,
    timeoutMs = 60_000,
  ): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const body = await status(reference).catch(() => ({}) as Record<string, unknown>);
      if (done(body)) return body;
      if (Date.now() > deadline) throw new Error(`timed out: ${JSON.stringify(body).slice(0, 1500)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const finished = (b: Record<string, unknown>) => ["Completed", "Failed"].includes(String(b.runtimeStatus));
  const actions = (b: Record<string, unknown>) => (b.timeline as Array<{ action: string }>).map((r) => r.action);

  async function pushImage(repository: string): Promise<{ reference: string; digest: string }> {
    const image = await buildOciImage(freshTempDir("img"));
    const pushed = await push(image.layoutRef, `${acr.loginServer}/${repository}:v1`, {
      certDir: acr.certDir,
      creds: `${DEMO_CREDENTIALS.username}:${DEMO_CREDENTIALS.password}`,
    });
    expect(pushed.code, pushed.stderr).toBe(0);
    return { reference: `${acr.loginServer}/${repository}@${image.manifestDigest}`, digest: image.manifestDigest };
  }
  const stats = async () => (await callEmulatorAdmin(acr.adminUrl, "GET", "/stats")) as Record<string, number>;
  const resetStats = () => callEmulatorAdmin(acr.adminUrl, "DELETE", "/stats");

  beforeAll(async () => {
    const state = freshTempDir("exactly-once");
    const caDir = localStateRoot("tls");
    identity = await startIdentityServer({
      config: { userAssigned: [APP_IDENTITY, CONSUMER_IDENTITY], users: Object.values(PEOPLE) },
    });
    acr = await startAcrEmulator({
      dataDir: join(state, "acr"),
      caDir,
      identity: { jwksUri: identity.jwksUri, issuer: identity.issuer },
      principals: STACK_PRINCIPALS,
      settings: { throttling: null },
    });
    azurite = await startAzurite({ location: join(state, "azurite") });
    proxy = await startTableProxy(azurite.tableEndpoint);
    storage = azurite.connectionString.replace(azurite.tableEndpoint, proxy.endpoint(azurite.tableEndpoint));
    expect(storage).not.toBe(azurite.connectionString);
    scanner = await startScannerEmulator({ caDir, reportFor, refreshAfterSeconds: 1 });
    port = await freePort();
    settings = {
      ...appSettings({ identity, acr, scanner }),
      // This stack runs no scan worker: the Harbor scanner emulator scans.
      SCANNER_KIND: "harbor",
      DEVHOST_FUNCTION_KEY: functionKey,
      DEVHOST_DURABLETASK_KEY: systemKey,
      STATUS_BASE_URL: `${url()}/api`,
      // No sweep firing on its own in the middle of a test.
      SWEEP_SCHEDULE: "0 0 0 1 1 *",
    };
    host = await startHost();
    await pointWebhookAt(acr, url(), functionKey);
  });
  afterAll(async () => {
    host?.kill("SIGKILL");
    await proxy?.close();
    await scanner?.stop();
    await azurite?.close();
    await acr?.stop();
    await identity?.close();
  });

  it("killed after the registry applied the release PATCH: one successful PATCH, the image Passed", async () => {
    const repository = "team/once-patch";
    // The test-only hook: the store applies a PATCH synchronously, then the emulator answers; the host dies between.
    const store = acr.context.store;
    const putManifests = store.putManifests.bind(store);
    let applied: ManifestRecord | undefined;
    store.putManifests = (records: readonly ManifestRecord[]) => {
      putManifests(records);
      const release = records.find((r) => r.repository === repository && r.quarantineState === "Passed");
      if (release && !applied) {
        applied = release;
        killHost();
      }
    };
    try {
      await resetStats();
      const { reference, digest } = await pushImage(repository);
      await restartAfterKill();
      expect(applied?.digest).toBe(digest);

      const done = await waitFor(reference, finished);
      expect(done.runtimeStatus).toBe("Completed");
      expect((done.outcome as { result: string }).result).toBe("Passed");
      expect(actions(done).filter((a) => a === "released")).toHaveLength(1);
      const counts = await stats();
      // Exactly one PATCH reached the registry; the activity did run again after the restart (the third manifest
      // read: inspectImage, the first delivery's read-first, the second delivery's read-first) and found it written.
      expect(counts["acr.manifests.patch"]).toBe(1);
      expect(counts["acr.manifests.get"]).toBeGreaterThanOrEqual(3);
      expect(store.getManifest(repository, digest)?.quarantineState).toBe("Passed");
      const pulled = await inspectRaw(`${acr.loginServer}/${repository}:v1`, {
        certDir: acr.certDir,
        creds: await registryCredentials(identity, acr, CONSUMER_IDENTITY.clientId),
      });
      expect(pulled.code, pulled.stderr).toBe(0);
    } finally {
      store.putManifests = putManifests;
    }
  }, 150_000);

  it("killed after Table Storage stored the audit row: one decision row", async () => {
    const repository = "team/once-audit";
    const image = await buildOciImage(freshTempDir("img"));
    const reference = `${acr.loginServer}/${repository}@${image.manifestDigest}`;
    proxy.killOnAuditInsert(partitionOf(reference), killHost);
    const pushed = await push(image.layoutRef, `${acr.loginServer}/${repository}:v1`, {
      certDir: acr.certDir,
      creds: `${DEMO_CREDENTIALS.username}:${DEMO_CREDENTIALS.password}`,
    });
    expect(pushed.code, pushed.stderr).toBe(0);
    await restartAfterKill();

    const done = await waitFor(reference, finished);
    expect((done.outcome as { result: string }).result).toBe("Passed");
    expect(actions(done)).toEqual(["released"]);
    // The recordDecision activity ran again after the restart: its insert found the row (409) and was done.
    const inserts = proxy.inserts.filter((i) => i.partition === partitionOf(reference)).map((i) => i.status);
    expect(inserts[0]).toBeLessThan(300);
    expect(inserts.slice(1)).toEqual([409]);
    expect(await auditRows(reference)).toHaveLength(1);
  }, 150_000);

  it("the same break-glass request sent again: one release, one override record, status says released by override", async () => {
    const { reference } = await pushImage("team/vulnerable-once");
    const failed = await waitFor(reference, finished);
    expect((failed.outcome as { result: string }).result).toBe("Failed");
    await resetStats();
    const token = await personToken(identity, PEOPLE.breakGlass.objectId);
    const overrideOnce = () =>
      fetch(`${url()}/api/approvals/${String(failed.instanceId)}`, {
        method: "POST",
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
        body: JSON.stringify({
          approve: true,
          reason: "production outage",
          justification: "INC-4711: hotfix must ship; CVE not reachable",
        }),
      });
    const first = await overrideOnce();
    expect(first.status).toBe(202);
    const firstId = String(((await first.json()) as { instanceId: string }).instanceId);
    const released = await waitFor(reference, (b) => b.releasedBy === "override");
    await waitForInstance(firstId);

    // The client did not hear the answer and sends the same request again.
    const again = await overrideOnce();
    expect(again.status).toBe(202);
    const againId = String(((await again.json()) as { instanceId: string }).instanceId);
    await waitForInstance(againId);

    const after = await status(reference);
    expect(actions(after).filter((a) => a === "overridden")).toHaveLength(1);
    expect((await stats())["acr.manifests.patch"]).toBe(1);
    expect(after).toMatchObject({
      releasedBy: "override",
      outcome: { result: "Passed", override: true },
      pipelineOutcome: { result: "Failed" },
      override: { instanceId: firstId },
    });
    expect(String((after.override as { by: string }).by)).toContain("Bo Override");
    expect(String((after.override as { reason: string }).reason)).toContain("INC-4711");
    expect(released.runtimeStatus).toBe("Completed");
    const pulled = await inspectRaw(`${acr.loginServer}/team/vulnerable-once:v1`, {
      certDir: acr.certDir,
      creds: await registryCredentials(identity, acr, CONSUMER_IDENTITY.clientId),
    });
    expect(pulled.code, pulled.stderr).toBe(0);
  }, 150_000);

  /** Waits until an instance has finished, through the host's keyed durable API. */
  async function waitForInstance(instanceId: string): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const response = await fetch(`${url()}/runtime/webhooks/durabletask/instances/${instanceId}`, {
        headers: { "x-functions-key": systemKey },
      });
      const body = (await response.json().catch(() => ({}))) as {
        runtimeStatus?: string;
        customStatus?: { stage?: string };
      };
      if (body.runtimeStatus === "Completed") return;
      // A break-glass release, once written and recorded, waits for its expiry (docs/reevaluation.md).
      if (body.customStatus?.stage === "awaiting-expiry") return;
      if (body.runtimeStatus === "Failed" || Date.now() > deadline)
        throw new Error(`instance ${instanceId}: ${JSON.stringify(body).slice(0, 1000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async function auditRows(reference: string): Promise<unknown[]> {
    const table = TableClient.fromConnectionString(azurite.connectionString, settings.AUDIT_TABLE!, {
      allowInsecureConnection: true,
    });
    const rows: unknown[] = [];
    for await (const row of table.listEntities({
      queryOptions: { filter: `PartitionKey eq '${partitionOf(reference)}'` },
    }))
      rows.push(row);
    return rows;
  }
});

/** The audit log's partition of an image (src/audit/audit-log.ts): the reference, base64url. */
function partitionOf(reference: string): string {
  return Buffer.from(reference).toString("base64url");
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const p = (server.address() as AddressInfo).port;
      server.close(() => resolve(p));
    });
  });
}

interface TableProxy {
  /** The Table endpoint through the proxy, for an endpoint of the Azurite behind it. */
  endpoint(tableEndpoint: string): string;
  /** Every insert of an audit row seen, with Azurite's answer. */
  inserts: Array<{ partition: string; status: number }>;
  /** Calls `kill` once, when Azurite has answered the first insert of an audit row in this partition. */
  killOnAuditInsert(partition: string, kill: () => void): void;
  close(): Promise<void>;
}

/**
 * A plain-HTTP proxy in front of Azurite's Table service: passes every request through unchanged (Shared Key
 * signatures cover the path, not the host), and watches inserts into the audit table (POST /<account>/GateAudit).
 */
async function startTableProxy(tableEndpoint: string): Promise<TableProxy> {
  const target = new URL(tableEndpoint);
  const inserts: TableProxy["inserts"] = [];
  let armed: { partition: string; kill: () => void } | undefined;
  const server: Server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const path = (req.url ?? "/").split("?")[0]!;
      const isAuditInsert = req.method === "POST" && /^\/[^/]+\/GateAudit$/.test(path);
      const partition = isAuditInsert ? partitionIn(body) : undefined;
      const upstream = httpRequest(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          const status = answer.statusCode ?? 0;
          if (partition !== undefined) {
            inserts.push({ partition, status });
            if (armed?.partition === partition && status < 300) {
              const { kill } = armed;
              armed = undefined;
              kill();
              answer.resume();
              res.destroy();
              return;
            }
          }
          res.writeHead(status, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on("error", () => res.destroy());
      upstream.end(body);
    });
    res.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: (endpoint) => endpoint.replace(`:${target.port}/`, `:${port}/`),
    inserts,
    killOnAuditInsert: (partition, kill) => (armed = { partition, kill }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function partitionIn(body: Buffer): string | undefined {
  try {
    const entity = JSON.parse(body.toString("utf8")) as { PartitionKey?: unknown };
    return typeof entity.PartitionKey === "string" ? entity.PartitionKey : undefined;
  } catch {
    return undefined;
  }
}
