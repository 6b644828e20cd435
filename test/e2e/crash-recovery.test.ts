import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChildProcess } from "node:child_process";
import { startHostProcess } from "../support/devhost-process.js";
import { createServer } from "node:net";
import { join } from "node:path";
import { startIdentityServer, type IdentityServer } from "../../local/identity/server.js";
import { startAcrEmulator, type AcrEmulator } from "../../local/acr-emulator/server.js";
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

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

describe("host killed while a pipeline waits for approval", () => {
  let identity: IdentityServer;
  let acr: AcrEmulator;
  let azurite: RunningAzurite;
  let scanner: ScannerEmulator;
  let host: ChildProcess | undefined;
  let port: number;
  const functionKey = "crash-test-function-key-0123456789";
  let settings: Record<string, string>;

  const startHost = (): Promise<ChildProcess> =>
    startHostProcess({ storage: azurite.connectionString, port, settings });

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
  ): Promise<Record<string, unknown>> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const body = await status(reference).catch(() => ({}) as Record<string, unknown>);
      if (done(body)) return body;
      if (Date.now() > deadline) throw new Error(`timed out: ${JSON.stringify(body).slice(0, 1000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  beforeAll(async () => {
    const state = freshTempDir("crash");
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
    scanner = await startScannerEmulator({ caDir, reportFor, refreshAfterSeconds: 1 });
    port = await freePort();
    settings = {
      ...appSettings({ identity, acr, scanner }),
      // This stack runs no scan worker: the Harbor scanner emulator scans.
      SCANNER_KIND: "harbor",
      DEVHOST_FUNCTION_KEY: functionKey,
      STATUS_BASE_URL: `${url()}/api`,
    };
    host = await startHost();
    await pointWebhookAt(acr, url(), functionKey);
  });
  afterAll(async () => {
    host?.kill("SIGKILL");
    await scanner?.stop();
    await azurite?.close();
    await acr?.stop();
    await identity?.close();
  });

  it("resumes from durable history after SIGKILL: the approval given after the restart releases the image", async () => {
    const image = await buildOciImage(freshTempDir("img"));
    const pushed = await push(image.layoutRef, `${acr.loginServer}/team/risky-crash:v1`, {
      certDir: acr.certDir,
      creds: `${DEMO_CREDENTIALS.username}:${DEMO_CREDENTIALS.password}`,
    });
    expect(pushed.code, pushed.stderr).toBe(0);
    const reference = `${acr.loginServer}/team/risky-crash@${image.manifestDigest}`;
    const waiting = await waitFor(reference, (b) => b.stage === "awaiting-approval");

    host!.kill("SIGKILL");
    await new Promise((r) => host!.once("exit", r));
    await expect(fetch(`${url()}/api/health`)).rejects.toThrow();
    host = await startHost();

    const after = await waitFor(reference, (b) => b.stage === "awaiting-approval");
    expect(after.instanceId).toBe(waiting.instanceId);
    const token = await personToken(identity, PEOPLE.approver.objectId);
    const decided = await fetch(`${url()}/api/approvals/${String(waiting.instanceId)}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ approve: true, reason: "approved after the restart" }),
    });
    expect(decided.status).toBe(202);
    const done = await waitFor(reference, (b) => b.runtimeStatus === "Completed");
    expect((done.outcome as { result: string }).result).toBe("Passed");
    expect((done.timeline as Array<{ action: string }>).filter((r) => r.action === "released")).toHaveLength(1);

    const pulled = await inspectRaw(`${acr.loginServer}/team/risky-crash:v1`, {
      certDir: acr.certDir,
      creds: await registryCredentials(identity, acr, CONSUMER_IDENTITY.clientId),
    });
    expect(pulled.code, pulled.stderr).toBe(0);
  });
});
