import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callEmulatorAdmin } from "../../local/acr-emulator/admin-client.js";
import { startTestStack, type TestStack } from "../support/local-stack.js";
import { buildOciImage } from "../support/oci-image.js";
import { inspectRaw, push } from "../support/skopeo.js";
import { freshTempDir } from "../support/paths.js";

/**
 * A registry outage while the scanner pulls: the Harbor scanner (emulator) fails the scan ("registry answered 503"),
 * and the pipeline scans again on durable timers until the registry is back, inside the scan deadline. The outage is
 * the 30 s; the scan deadline is shortened to 2 minutes (SCAN_DEADLINE), which also shortens the retry
 * ceiling to 4 s (a thirtieth of the deadline, SCAN_RETRY), so the image passes a few seconds after the outage ends.
 */
const OUTAGE_MS = 30_000;

describe("scans survive a registry outage", () => {
  let stack: TestStack;
  beforeAll(async () => {
    // The Harbor path, whose polls the orchestration retries inside the deadline (the queue worker reports a failed
    // pull as an explicit scanner failure instead: docs/pipeline.md, "Scan retries").
    stack = await startTestStack({ scanWorker: false, settings: { SCAN_DEADLINE: "PT2M", SCANNER_KIND: "harbor" } });
  });
  afterAll(async () => {
    await callEmulatorAdmin(stack.acr.adminUrl, "PUT", "/faults", []).catch(() => undefined);
    await stack?.stop();
  });

  const faults = (rules: unknown[]) => callEmulatorAdmin(stack.acr.adminUrl, "PUT", "/faults", rules);

  it("a 30 s registry outage during the scan → Passed within the scan deadline", async () => {
    const repository = "team/scan-retry";
    const image = await buildOciImage(freshTempDir("img"));
    const reference = `${stack.acr.loginServer}/${repository}@${image.manifestDigest}`;
    // The scanner's first pull must meet the outage whatever the timing: its manifest GET fails from before the push
    // (the push itself sends no GET for manifests)...
    await faults([{ method: "GET", pathPrefix: `/v2/${repository}/manifests/`, status: 503, times: 100_000 }]);
    const pushed = await push(image.layoutRef, `${stack.acr.loginServer}/${repository}:v1`, {
      certDir: stack.acr.certDir,
      creds: stack.pushCreds,
    });
    expect(pushed.code, pushed.stderr).toBe(0);
    // ...and once the pipeline is scanning, the whole registry (every /v2/ and /acr/v1/ request) is down for 30 s.
    await stack.waitForStatus(reference, (b) => b.stage === "scanning", 30_000);
    await faults([{ method: "*", pathPrefix: "/", status: 503, times: 100_000 }]);
    const outageEnds = Date.now() + OUTAGE_MS;

    let retriesSeen = 0;
    let lastError = "";
    while (Date.now() < outageEnds) {
      const { body } = await stack.status(reference);
      const retry = body.scanRetry as { failures: number; error: string } | undefined;
      // Nothing is decided while the registry is down.
      expect(body.outcome ?? null).toBeNull();
      if (retry && retry.failures > retriesSeen) ({ failures: retriesSeen, error: lastError } = retry);
      await new Promise((r) => setTimeout(r, 500));
    }
    await faults([]);
    const during = stack.scanner.scans().filter((s) => s.artifact.digest === image.manifestDigest).length;

    const done = await stack.waitForStatus(
      reference,
      (b) => b.runtimeStatus !== "Running" && b.runtimeStatus !== "Pending",
      90_000,
    );
    expect(done.runtimeStatus).toBe("Completed");
    expect((done.outcome as { result: string }).result).toBe("Passed");
    // Within the scan deadline: the verdict was reached before it.
    const verdict = done.verdict as { evaluatedAt: string; decision: string };
    expect(verdict.decision).toBe("pass");
    expect(Date.parse(verdict.evaluatedAt)).toBeLessThan(Date.parse(String(done.scanDeadline)));
    // The outage did hit the scans: several were tried (each new scan request is a new pull) while it lasted.
    expect(during).toBeGreaterThanOrEqual(3);
    // The status said so meanwhile: which attempt failed and why.
    expect(retriesSeen).toBeGreaterThanOrEqual(2);
    expect(lastError).toMatch(/registry answered 503/);
    expect(done.scanRetry).toBeUndefined();
    const timeline = done.timeline as Array<{ action: string }>;
    expect(timeline.map((r) => r.action)).toEqual(["released"]);
    const pulled = await inspectRaw(`${stack.acr.loginServer}/${repository}:v1`, {
      certDir: stack.acr.certDir,
      creds: await stack.pullCreds(),
    });
    expect(pulled.code, pulled.stderr).toBe(0);
    console.log(
      `scan-retry: ${during} scan requests during the ${OUTAGE_MS / 1000} s outage; Passed ${((Date.parse(verdict.evaluatedAt) - outageEnds) / 1000).toFixed(1)} s after it ended`,
    );
  }, 180_000);
});

/**
 * The same outage on the queue path, the local stack's default: the scan worker's Trivy (the stand-in, pulling with
 * the request's token) meets the registry's 503s, the worker posts `registry-unavailable`, and the pipeline submits a
 * new scan request after its backoff, until the registry is back, inside the scan deadline.
 */
describe("queue-path scans survive a registry outage", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ settings: { SCAN_DEADLINE: "PT2M", SCANNER_KIND: "queue" } });
  });
  afterAll(async () => {
    await callEmulatorAdmin(stack.acr.adminUrl, "PUT", "/faults", []).catch(() => undefined);
    await stack?.stop();
  });

  const faults = (rules: unknown[]) => callEmulatorAdmin(stack.acr.adminUrl, "PUT", "/faults", rules);

  it("a 30 s registry outage while the worker pulls → Passed within the scan deadline", async () => {
    const repository = "team/scan-retry-queue";
    const image = await buildOciImage(freshTempDir("img"));
    const reference = `${stack.acr.loginServer}/${repository}@${image.manifestDigest}`;
    // The worker's first pull meets the outage whatever the timing (the push sends no manifest GET)...
    await faults([{ method: "GET", pathPrefix: `/v2/${repository}/manifests/`, status: 503, times: 100_000 }]);
    const pushed = await push(image.layoutRef, `${stack.acr.loginServer}/${repository}:v1`, {
      certDir: stack.acr.certDir,
      creds: stack.pushCreds,
    });
    expect(pushed.code, pushed.stderr).toBe(0);
    // ...then the whole registry is down for 30 s once the pipeline scans (token requests included).
    await stack.waitForStatus(reference, (b) => b.stage === "scanning", 30_000);
    await faults([{ method: "*", pathPrefix: "/", status: 503, times: 100_000 }]);
    const outageEnds = Date.now() + OUTAGE_MS;
    let retriesSeen = 0;
    let lastError = "";
    const errors = new Set<string>();
    while (Date.now() < outageEnds) {
      const { body } = await stack.status(reference);
      const retry = body.scanRetry as { failures: number; error: string } | undefined;
      expect(body.outcome ?? null).toBeNull();
      if (retry && retry.failures > retriesSeen) ({ failures: retriesSeen, error: lastError } = retry);
      if (retry) errors.add(retry.error.split(":")[0]!);
      await new Promise((r) => setTimeout(r, 500));
    }
    await faults([]);

    const done = await stack.waitForStatus(
      reference,
      (b) => b.runtimeStatus !== "Running" && b.runtimeStatus !== "Pending",
      90_000,
    );
    expect(done.runtimeStatus).toBe("Completed");
    expect((done.outcome as { result: string }).result).toBe("Passed");
    const verdict = done.verdict as { evaluatedAt: string; decision: string };
    expect(Date.parse(verdict.evaluatedAt)).toBeLessThan(Date.parse(String(done.scanDeadline)));
    // The worker's failed pulls were what the pipeline retried: its posted failures, by the contract's code.
    expect(retriesSeen).toBeGreaterThanOrEqual(2);
    // (The gate's own token request for the next scan may meet the outage too; the worker's failures must be there.)
    expect([...errors]).toContain("registry-unavailable");
    const pulled = await inspectRaw(`${stack.acr.loginServer}/${repository}:v1`, {
      certDir: stack.acr.certDir,
      creds: await stack.pullCreds(),
    });
    expect(pulled.code, pulled.stderr).toBe(0);
    console.log(
      `scan-retry (queue): ${retriesSeen} failed scans during the ${OUTAGE_MS / 1000} s outage (last: ${lastError.slice(0, 80)}); Passed ${((Date.parse(verdict.evaluatedAt) - outageEnds) / 1000).toFixed(1)} s after it ended`,
    );
  }, 180_000);
});
