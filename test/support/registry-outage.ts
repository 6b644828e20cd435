import { expect } from "vitest";
import { callEmulatorAdmin } from "../../local/acr-emulator/admin-client.js";
import type { TestStack } from "./local-stack.js";
import { buildOciImage } from "./oci-image.js";
import { freshTempDir } from "./paths.js";
import { inspectRaw, push } from "./skopeo.js";

/** The registry outage: 30 s. */
export const OUTAGE_MS = 30_000;

/** Clears the emulator's faults (after a test that may have failed mid-outage). */
export const clearFaults = (stack: TestStack) =>
  callEmulatorAdmin(stack.acr.adminUrl, "PUT", "/faults", []).catch(() => undefined);

export interface OutageRun {
  reference: string;
  digest: string;
  verdict: { evaluatedAt: string; decision: string };
  done: Record<string, unknown>;
  outageEnds: number;
  retriesSeen: number;
  lastError: string;
  /** What each failed attempt said, up to its first colon (a failure code, or the scanner's words). */
  errors: Set<string>;
}

/**
 * Pushes an image into an outage: the scanner's first pull fails from before the push (the push itself sends no GET
 * for manifests), and once the pipeline scans the whole registry (every /v2/ and /acr/v1/ request, token requests
 * included) answers 503 for OUTAGE_MS. Asserts nothing is decided meanwhile, and that the image is Passed inside the
 * scan deadline afterwards and pullable.
 */
export async function passThroughOutage(stack: TestStack, repository: string): Promise<OutageRun> {
  const faults = (rules: unknown[]) => callEmulatorAdmin(stack.acr.adminUrl, "PUT", "/faults", rules);
  const image = await buildOciImage(freshTempDir("img"));
  const reference = `${stack.acr.loginServer}/${repository}@${image.manifestDigest}`;
  await faults([{ method: "GET", pathPrefix: `/v2/${repository}/manifests/`, status: 503, times: 100_000 }]);
  const pushed = await push(image.layoutRef, `${stack.acr.loginServer}/${repository}:v1`, {
    certDir: stack.acr.certDir,
    creds: stack.pushCreds,
  });
  expect(pushed.code, pushed.stderr).toBe(0);
  await stack.waitForStatus(reference, (b) => b.stage === "scanning", 30_000);
  await faults([{ method: "*", pathPrefix: "/", status: 503, times: 100_000 }]);
  const outageEnds = Date.now() + OUTAGE_MS;
  let retriesSeen = 0;
  let lastError = "";
  const errors = new Set<string>();
  while (Date.now() < outageEnds) {
    const { body } = await stack.status(reference);
    const retry = body.scanRetry as { failures: number; error: string } | undefined;
    // Nothing is decided while the registry is down.
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
  // Within the scan deadline: the verdict was reached before it.
  const verdict = done.verdict as { evaluatedAt: string; decision: string };
  expect(verdict.decision).toBe("pass");
  expect(Date.parse(verdict.evaluatedAt)).toBeLessThan(Date.parse(String(done.scanDeadline)));
  const pulled = await inspectRaw(`${stack.acr.loginServer}/${repository}:v1`, {
    certDir: stack.acr.certDir,
    creds: await stack.pullCreds(),
  });
  expect(pulled.code, pulled.stderr).toBe(0);
  return { reference, digest: image.manifestDigest, verdict, done, outageEnds, retriesSeen, lastError, errors };
}
