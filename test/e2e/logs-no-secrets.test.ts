import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QueueClient } from "@azure/storage-queue";
import type { LogEntry } from "../../local/devhost/index.js";
import { registryCredentials, personToken } from "../../local/stack/credentials.js";
import { startLocalStack, type LocalStack } from "../../local/stack/compose.js";
import { APP_IDENTITY, CONSUMER_IDENTITY, DEVELOPER_IDENTITY, DEMO_CREDENTIALS } from "../../local/stack/defaults.js";
import { parseEventLine, type GateEvent } from "../../src/observability/event-line.js";
import { decodeQueueMessage, type ScanRequestMessage } from "../../src/scanning/queue/index.js";
import { PEOPLE } from "../support/local-stack.js";
import { buildOciImage } from "../support/oci-image.js";
import { freshTempDir, localStateRoot } from "../support/paths.js";
import { push } from "../support/skopeo.js";

/**
 * Every line the app and its host log during a whole gated life — webhook, external scanner callback (refused, then
 * accepted), approvals (refused, then given), a failing verdict released by break-glass, status, sweep — is captured
 * and searched for every secret that went by: the host's function, master and system keys (the webhook's key is the
 * function key ACR sends), the scanner's callback tokens, the scanner's registry pull token, the approvers' Entra
 * tokens, the consumer's ACR refresh token, the identity endpoint's secret header, the storage account key, and any
 * JWT at all (`eyJ…`: every Entra and ACR token is one), and the notification secrets (the webhook signing secret
 * and the credential in every sink URL, NOTIFY_SINK_SECRETS), which must not appear in the status answers or the
 * durable instances' inputs and outputs either. Report content is searched for too: the CVE ids, package and title
 * of the findings; logs carry counts only.
 */

const CVE_HIGH = "CVE-2099-31337";
const CVE_CRITICAL = "CVE-2099-31338";
const PACKAGE = "logsmarkerpkg";
const TITLE = "logs-marker-title: do not log report bodies";

const finished = (body: Record<string, unknown>) =>
  ["Completed", "Failed", "Terminated"].includes(String(body.runtimeStatus));

describe("logs carry ids, states and counts, never a secret or a report", () => {
  const entries: LogEntry[] = [];
  const secrets = new Map<string, string>();
  let stack: LocalStack;
  let queue: QueueClient;
  const keys = {
    function: randomBytes(32).toString("base64url"),
    master: randomBytes(32).toString("base64url"),
    system: randomBytes(32).toString("base64url"),
  };
  // Recognisable notification secrets: the webhook signing secret and a credential in every sink URL's query.
  const notifySecrets = {
    webhookSecret: `whsec_${Buffer.from(`logs-marker-signing-${randomBytes(12).toString("hex")}`).toString("base64")}`,
    urlCredential: `logs-marker-sink-sig-${randomBytes(12).toString("hex")}`,
  };
  /** Every status answer and durable API answer the test saw: outputs, searched for the notification secrets. */
  const outputs: string[] = [];

  beforeAll(async () => {
    stack = await startLocalStack({
      stateDir: freshTempDir("logs"),
      caDir: localStateRoot("tls"),
      identities: [APP_IDENTITY, DEVELOPER_IDENTITY, CONSUMER_IDENTITY],
      users: Object.values(PEOPLE),
      functionKey: keys.function,
      settings: {
        SWEEP_SCHEDULE: "0 0 0 1 1 *",
        SCANNER_KIND: "queue",
        SCAN_QUEUE_NAME: "scan-requests",
        SCAN_DEADLINE: "PT45S",
        APPROVAL_DEADLINE: "PT45S",
        DEVHOST_MASTER_KEY: keys.master,
        DEVHOST_DURABLETASK_KEY: keys.system,
      },
      logSinks: [(entry) => entries.push(entry)],
      // The test plays the external scanner itself; the local worker would race it for the queue's messages.
      scanWorker: false,
      notify: notifySecrets,
    });
    queue = new QueueClient(stack.azurite.connectionString, "scan-requests");
    secrets.set("function key (the webhook's key)", stack.devhost.keys.functionKey);
    secrets.set("master key", stack.devhost.keys.masterKey);
    secrets.set("durable system key", stack.devhost.keys.durableSystemKey);
    secrets.set("identity header", stack.identity.identityHeader);
    secrets.set("storage account key", /AccountKey=([^;]+)/.exec(stack.azurite.connectionString)![1]!);
    secrets.set("push password", DEMO_CREDENTIALS.password);
    secrets.set("webhook signing secret", notifySecrets.webhookSecret);
    // The part after whsec_ is the HMAC key itself (standardwebhooks decodes it); neither form may appear.
    secrets.set("webhook signing key", notifySecrets.webhookSecret.slice("whsec_".length));
    secrets.set("sink URL credential", notifySecrets.urlCredential);
    for (const sink of ["webhook", "teams", "slack"])
      secrets.set(`${sink} sink URL`, stack.notifyReceiver.hookUrl(sink));
  });
  afterAll(async () => stack?.stop());

  const api = (path: string, init: RequestInit = {}) => fetch(`${stack.devhost.url}/api/${path}`, init);
  const person = async (who: keyof typeof PEOPLE) => {
    const token = await personToken(stack.identity, PEOPLE[who].objectId);
    secrets.set(`${who}'s token`, token);
    return token;
  };
  const status = async (reference: string) => {
    // The key in the query string on purpose: the host must not log URLs with it either.
    const response = await api(`images/status?image=${encodeURIComponent(reference)}&code=${keys.function}`);
    const text = await response.text();
    outputs.push(text);
    return JSON.parse(text) as Record<string, unknown>;
  };
  const waitFor = async (reference: string, done: (b: Record<string, unknown>) => boolean) => {
    const deadline = Date.now() + 60_000;
    for (let body = await status(reference); Date.now() < deadline; body = await status(reference)) {
      if (done(body)) return body;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`timed out waiting for ${reference}`);
  };

  async function pushImage(repository: string) {
    const image = await buildOciImage(freshTempDir("img"));
    const pushed = await push(image.layoutRef, `${stack.acr.loginServer}/${repository}:v1`, {
      certDir: stack.acr.certDir,
      creds: `${DEMO_CREDENTIALS.username}:${DEMO_CREDENTIALS.password}`,
    });
    expect(pushed.code, pushed.stderr).toBe(0);
    return {
      digest: image.manifestDigest,
      reference: `${stack.acr.loginServer}/${repository}@${image.manifestDigest}`,
    };
  }

  /** Plays the external scanner: takes the scan request for `digest` off the queue and notes its secrets. */
  async function scanRequest(digest: string): Promise<ScanRequestMessage> {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      await queue.createIfNotExists();
      const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32 });
      for (const item of receivedMessageItems) {
        await queue.deleteMessage(item.messageId, item.popReceipt);
        const message = decodeQueueMessage(item.messageText) as ScanRequestMessage;
        if (message.image.digest !== digest) continue;
        secrets.set(`callback token ${digest}`, message.callback.token);
        const pull = message.registry?.authorization?.replace(/^Bearer /, "");
        if (pull) secrets.set(`scanner pull token ${digest}`, pull);
        return message;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`no scan request for ${digest}`);
  }

  const report = (reference: string, cve: string, severity: string) =>
    JSON.stringify({
      SchemaVersion: 2,
      ArtifactName: reference,
      ArtifactType: "container_image",
      Metadata: { RepoDigests: [reference] },
      Results: [
        {
          Target: "logs (alpine 3.19)",
          Class: "os-pkgs",
          Type: "alpine",
          Vulnerabilities: [
            {
              VulnerabilityID: cve,
              PkgName: PACKAGE,
              InstalledVersion: "1.0.0",
              FixedVersion: "1.0.1",
              Severity: severity,
              Title: TITLE,
            },
          ],
        },
      ],
    });

  const callback = (message: ScanRequestMessage, body: string, token = message.callback.token) =>
    fetch(message.callback.url, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body,
    });

  const decide = async (who: keyof typeof PEOPLE | null, instanceId: string, body: unknown) =>
    api(`approvals/${instanceId}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...(who ? { Authorization: `Bearer ${await person(who)}` } : {}) },
      body: JSON.stringify(body),
    });

  const events = (): GateEvent[] =>
    entries.map((e) => parseEventLine(e.message)).filter((e): e is GateEvent & { v: number } => e !== undefined);

  let risky: { digest: string; reference: string };
  let critical: { digest: string; reference: string };
  let riskyInstance: string;
  let criticalInstance: string;

  it("runs a whole gated life: callback, approvals, a failing verdict, break-glass, status, sweep", async () => {
    // An image whose report needs a person.
    risky = await pushImage("team/logs-risky");
    const riskyScan = await scanRequest(risky.digest);
    expect((await callback(riskyScan, report(risky.reference, CVE_HIGH, "HIGH"), "not-the-token")).status).toBe(401);
    expect((await callback(riskyScan, report(risky.reference, CVE_HIGH, "HIGH"))).status).toBe(202);
    expect((await callback(riskyScan, report(risky.reference, CVE_HIGH, "HIGH"))).status).toBe(409);
    const waiting = await waitFor(risky.reference, (b) => b.stage === "awaiting-approval");
    riskyInstance = String(waiting.instanceId);
    const list = await api("approvals", { headers: { Authorization: `Bearer ${await person("reader")}` } });
    expect(list.status).toBe(200);
    expect((await decide(null, riskyInstance, { approve: true, reason: "no token" })).status).toBe(401);
    expect((await decide("viewer", riskyInstance, { approve: true, reason: "not mine" })).status).toBe(403);
    expect((await decide("approver", riskyInstance, { approve: true, reason: "risk accepted" })).status).toBe(202);
    expect(((await waitFor(risky.reference, finished)).outcome as { result: string }).result).toBe("Passed");

    // An image whose report fails it, then released by break-glass.
    critical = await pushImage("team/logs-critical");
    const criticalScan = await scanRequest(critical.digest);
    expect((await callback(criticalScan, report(critical.reference, CVE_CRITICAL, "CRITICAL"))).status).toBe(202);
    const failed = await waitFor(critical.reference, finished);
    expect((failed.outcome as { result: string }).result).toBe("Failed");
    criticalInstance = String(failed.instanceId);
    const override = await decide("breakGlass", criticalInstance, {
      approve: true,
      reason: "production outage",
      justification: "INC-4711: the hotfix must ship; the finding is not reachable",
    });
    expect(override.status).toBe(202);
    await waitFor(critical.reference, (b) =>
      (b.timeline as Array<{ reason: string }>).some((r) => r.reason.includes("break-glass")),
    );
    // The release now waits for its expiry (docs/reevaluation.md "Break-glass expiry", the policy's 24 h).
    const overrideId = String(((await override.json()) as { instanceId: string }).instanceId);
    for (let waited = 0; ; waited += 200) {
      const release = await fetch(`${stack.devhost.url}/runtime/webhooks/durabletask/instances/${overrideId}`, {
        headers: { "x-functions-key": keys.system },
      });
      const body = (await release.json().catch(() => ({}))) as { customStatus?: { stage?: string } };
      if (body.customStatus?.stage === "awaiting-expiry") break;
      if (waited > 60_000) throw new Error(`break-glass release ${overrideId}: ${JSON.stringify(body).slice(0, 500)}`);
      await new Promise((r) => setTimeout(r, 200));
    }

    // A consumer's registry credentials (an ACR refresh token) exist in this world too.
    secrets.set(
      "consumer's ACR refresh token",
      (await registryCredentials(stack.identity, stack.acr, CONSUMER_IDENTITY.clientId)).split(":")[1]!,
    );
    expect((await api("health")).status).toBe(200);
    const sweep = await api("sweep/run?timeLimitSeconds=20", {
      method: "POST",
      headers: { "x-functions-key": stack.devhost.keys.masterKey },
    });
    expect(sweep.status).toBe(200);
  });

  it("the notifications went out with those secrets, which no output holds", async () => {
    // The sinks were used: signed webhooks verified by the receiver, chat messages, over URLs with the credential.
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && !stack.notifyReceiver.deliveries.some((d) => d.sink === "slack"))
      await new Promise((r) => setTimeout(r, 200));
    const webhooks = stack.notifyReceiver.deliveries.filter((d) => d.sink === "webhook");
    expect(webhooks.length).toBeGreaterThan(0);
    expect(webhooks.every((d) => d.signature === "valid")).toBe(true);
    expect(stack.notifyReceiver.deliveries.some((d) => d.sink === "teams")).toBe(true);
    // The durable instances (pipelines, break-glass, the notification deliveries): inputs, outputs, custom status.
    const instances = await fetch(
      `${stack.devhost.url}/runtime/webhooks/durabletask/instances/?showInput=true&top=1000`,
      { headers: { "x-functions-key": keys.system } },
    );
    expect(instances.status).toBe(200);
    const listed = await instances.text();
    expect(listed).toContain('"ntf-');
    outputs.push(listed);
    const leaks: string[] = [];
    for (const output of outputs)
      for (const what of ["webhook signing secret", "webhook signing key", "sink URL credential"])
        if (output.includes(secrets.get(what)!)) leaks.push(`${what} in an output: ${output.slice(0, 200)}`);
    expect(leaks).toEqual([]);
  });

  it("no log line holds a key, a token or report content", () => {
    expect(entries.length).toBeGreaterThan(50);
    expect(secrets.size).toBeGreaterThanOrEqual(20);
    const leaks: string[] = [];
    for (const entry of entries) {
      const line = `${entry.category} ${entry.message}`;
      if (/eyJ[A-Za-z0-9_-]{4,}/.test(line)) leaks.push(`a JWT in: ${line.slice(0, 200)}`);
      for (const [what, secret] of secrets) if (line.includes(secret)) leaks.push(`${what} in: ${line.slice(0, 200)}`);
      for (const content of [CVE_HIGH, CVE_CRITICAL, PACKAGE, TITLE])
        if (line.includes(content)) leaks.push(`report content ${content} in: ${line.slice(0, 200)}`);
    }
    expect(leaks).toEqual([]);
  });

  it("every trigger, activity and orchestration step wrote its event line, through the function's user logger", () => {
    const gate = entries.filter((e) => parseEventLine(e.message));
    // The host files them as the function's user logs (Function.<name>.User), as the real host does.
    for (const entry of gate) expect(entry.category).toMatch(/^Function\.[A-Za-z]+\.User$/);

    const about = (image: string, instanceId: string) =>
      events().filter((e) => e.image === image || e.instanceId === instanceId);
    const trail = about(risky.reference, riskyInstance).map((e) => `${e.kind}:${e.fn}:${e.outcome}:${e.stage ?? ""}`);
    for (const step of [
      "http:acrEvents:succeeded:webhook",
      "orchestration:quarantinePipeline:started:",
      "activity:inspectImage:succeeded:inspecting",
      "activity:submitScan:succeeded:scanning",
      "http:scanReports:rejected:scan-report",
      "http:scanReports:succeeded:scan-report",
      "orchestration:quarantinePipeline:stage:awaiting-approval",
      "http:approvals:rejected:approval",
      "http:approvals:succeeded:approval",
      "activity:writeRegistryDecision:succeeded:releasing",
      "activity:recordDecision:succeeded:recording",
      "orchestration:quarantinePipeline:completed:done",
      "http:imageStatus:succeeded:status",
    ])
      expect(trail).toContain(step);

    // Replays write nothing twice: one line per orchestration step of the pipeline.
    const steps = events().filter((e) => e.kind === "orchestration" && e.instanceId === riskyInstance);
    expect(steps.map((e) => `${e.outcome}:${e.stage ?? ""}`)).toEqual([
      "started:",
      "stage:inspecting",
      "stage:scanning",
      "stage:awaiting-approval",
      "stage:releasing",
      "stage:recording",
      "completed:done",
    ]);
    expect(steps.at(-1)).toMatchObject({ image: risky.reference, result: "Passed" });
    const scanned = events().find(
      (e) => e.fn === "scanReports" && e.outcome === "succeeded" && e.instanceId === riskyInstance,
    );
    expect(scanned).toMatchObject({ result: "needsApproval" });

    // The failed image and its break-glass release.
    const failedPipeline = events().filter((e) => e.kind === "orchestration" && e.instanceId === criticalInstance);
    expect(failedPipeline.at(-1)).toMatchObject({ outcome: "completed", result: "Failed", image: critical.reference });
    const breakGlass = events().filter((e) => e.fn === "breakGlassRelease");
    // Released, and waiting for its expiry (a durable timer): started, not yet completed.
    expect(breakGlass.filter((e) => e.outcome !== "stage").map((e) => e.outcome)).toEqual(["started"]);
    expect(breakGlass.at(-1)).toMatchObject({ image: critical.reference, outcome: "stage", stage: "awaiting-expiry" });
    expect(breakGlass.at(-1)!.instanceId).toMatch(/^bg-/);

    // The sweep and health answered through the wrapper too.
    expect(events().some((e) => e.fn === "complianceSweepNow" && e.outcome === "succeeded")).toBe(true);
    expect(events().some((e) => e.fn === "health" && e.status === 200)).toBe(true);
  });
});
