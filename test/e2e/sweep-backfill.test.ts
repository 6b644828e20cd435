import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack } from "../support/local-stack.js";
import { buildOciImage } from "../support/oci-image.js";
import { push } from "../support/skopeo.js";
import { freshTempDir } from "../support/paths.js";
import { pointWebhookAt } from "../../local/stack/compose.js";
import type { BackfillReport } from "../../src/sweep/backfill/collect.js";
import type { BackfillRunReport } from "../../src/sweep/backfill/run.js";
import { admin, readReportBlob, sleep, sweepNow } from "../integration/sweep/support.js";
import { registryCredentials } from "../../local/stack/credentials.js";
import { APP_IDENTITY } from "../../local/stack/defaults.js";

describe("backfill: shadow evaluation of existing images before quarantine is turned on", () => {
  let stack: TestStack;
  const images: Record<string, string> = {};

  beforeAll(async () => {
    // The Harbor scanner emulator: this test is about the sweep, and asserts its built-in advisories.
    stack = await startTestStack({
      scanWorker: false,
      settings: { SWEEP_SCHEDULE: "0 0 0 1 1 *", SCAN_DEADLINE: "PT20S", SCANNER_KIND: "harbor" },
    });
    // A registry before the gate: quarantine off, no webhook to the app, images pushed over time.
    await admin(stack, "PUT", "/policy", { quarantine: "disabled" });
    await admin(stack, "DELETE", "/webhooks/gate");
    for (const repository of ["legacy/clean-app", "legacy/vulnerable-app", "legacy/risky-app", "legacy/broken-app"]) {
      const image = await buildOciImage(freshTempDir("img"));
      const result = await push(image.layoutRef, `${stack.acr.loginServer}/${repository}:v1`, {
        certDir: stack.acr.certDir,
        creds: stack.pushCreds,
      });
      if (result.code !== 0) throw new Error(result.stderr);
      images[repository] = `${stack.acr.loginServer}/${repository}@${image.manifestDigest}`;
    }
    // ACR may report Passed for images never quarantined: the backfill must judge them all the same.
    await markPassed(stack, "legacy/vulnerable-app", images["legacy/vulnerable-app"]!.split("@")[1]!);
  });

  async function markPassed(stack: TestStack, repository: string, digest: string): Promise<void> {
    const refresh = (await registryCredentials(stack.identity, stack.acr, APP_IDENTITY.clientId)).split(":")[1]!;
    const form = new URLSearchParams({
      grant_type: "refresh_token",
      service: stack.acr.loginServer,
      refresh_token: refresh,
      scope: `repository:${repository}:metadata_write`,
    });
    const token = (
      (await (await fetch(`${stack.acr.url}/oauth2/token`, { method: "POST", body: form })).json()) as {
        access_token: string;
      }
    ).access_token;
    const details = JSON.stringify({
      scanner: "legacy",
      state: "set before the gate",
      result: { version: "1", summary: [] },
    });
    const patched = await fetch(`${stack.acr.url}/acr/v1/${repository}/_manifests/${digest}`, {
      method: "PATCH",
      headers: { Authorization: `Bearer ${token}` },
      body: JSON.stringify({ quarantineState: "Passed", quarantineDetails: details }),
    });
    if (patched.status !== 200) throw new Error(`PATCH → ${patched.status}: ${await patched.text()}`);
  }
  afterAll(async () => stack?.stop());

  const call = (method: "GET" | "POST", query = "", key = stack.devhost.keys.masterKey) =>
    fetch(`${stack.devhost.url}/api/sweep/backfill${query}`, { method, headers: { "x-functions-key": key } });

  async function collected(): Promise<BackfillReport> {
    const deadline = Date.now() + 90_000;
    for (;;) {
      const response = await call("GET");
      const body = (await response.json()) as { reports: BackfillReport[] };
      const report = body.reports?.[0];
      if (response.status === 200 && report && report.evaluations === 4 && report.evaluating === 0) return report;
      if (Date.now() > deadline) throw new Error(`backfill did not finish: ${JSON.stringify(body).slice(0, 2000)}`);
      await sleep(500);
    }
  }

  it("needs the admin key, and has nothing to report before it ran", async () => {
    expect((await call("POST", "", stack.devhost.keys.functionKey)).status).toBe(401);
    expect((await call("GET")).status).toBe(404);
  });

  it("reports what would be blocked — failing policy, needing approval, unscannable — and writes nothing to ACR", async () => {
    const started = await call("POST");
    expect(started.status).toBe(202);
    const run = ((await started.json()) as { runs: BackfillRunReport[] }).runs[0]!;
    expect(run).toMatchObject({
      outcome: "complete",
      enumerationComplete: true,
      totals: { manifests: 4, evaluationsStarted: 4, alreadyDecided: 1 },
    });
    expect(run.requests.manifestGet).toBe(0);

    const report = await collected();
    expect(report.byVerdict).toMatchObject({
      "would-pass": 1,
      "would-fail": 1,
      "would-need-approval": 1,
      "scan-failed": 1,
    });
    const blocked = Object.fromEntries(report.wouldBeBlocked.items.map((i) => [i.image, i]));
    expect(Object.keys(blocked).sort()).toEqual(
      [images["legacy/broken-app"], images["legacy/risky-app"], images["legacy/vulnerable-app"]].sort(),
    );
    expect(blocked[images["legacy/vulnerable-app"]!]).toMatchObject({
      verdict: "would-fail",
      reasons: [expect.stringContaining("CVE-2026-0001")],
    });
    expect(blocked[images["legacy/risky-app"]!]).toMatchObject({
      verdict: "would-need-approval",
      reasons: [expect.stringContaining("CVE-2026-0002")],
    });
    expect(blocked[images["legacy/broken-app"]!]!.verdict).toBe("scan-failed");
    expect(await readReportBlob(stack, report.reportBlob!)).toMatchObject({
      kind: "backfill",
      backfillId: run.backfillId,
      byVerdict: report.byVerdict,
    });

    for (const reference of Object.values(images)) {
      const [repository, digest] = reference.slice(stack.acr.loginServer.length + 1).split("@") as [string, string];
      // Untouched: the one marked Passed before the gate stays Passed; the others have no state.
      expect(stack.acr.context.store.getManifest(repository, digest)!.quarantineState).toBe(
        repository === "legacy/vulnerable-app" ? "Passed" : undefined,
      );
    }
    // Nobody is asked to approve a shadow evaluation.
    const approvals = await fetch(`${stack.devhost.url}/api/approvals`, {
      headers: {
        "x-functions-key": stack.devhost.keys.functionKey,
        Authorization: `Bearer ${await stack.personToken("approver")}`,
      },
    });
    expect(approvals.status).toBe(200);
    expect(((await approvals.json()) as { pending: unknown[] }).pending).toEqual([]);
  });

  it("does not stand in the way of enforcement: once quarantine is on, the sweep starts the real pipelines", async () => {
    await admin(stack, "PUT", "/policy", { quarantine: "enabled" });
    await pointWebhookAt(stack.acr, stack.devhost.url, stack.devhost.keys.functionKey);
    const report = await sweepNow(stack);
    // The sweep leaves decided images alone (the one marked Passed before the gate); it starts the rest.
    const pending = Object.entries(images)
      .filter(([repository]) => repository !== "legacy/vulnerable-app")
      .map(([, reference]) => reference);
    expect(report.started.items.map((s) => s.image).sort()).toEqual(pending.sort());
    const clean = await stack.waitForStatus(images["legacy/clean-app"]!, (b) => b.runtimeStatus === "Completed");
    expect((clean.outcome as { result: string }).result).toBe("Passed");
  });
});
