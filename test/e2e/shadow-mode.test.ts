import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack } from "../support/local-stack.js";
import { buildOciImage } from "../support/oci-image.js";
import { push } from "../support/skopeo.js";
import { freshTempDir } from "../support/paths.js";

const finished = (body: Record<string, unknown>) =>
  ["Completed", "Failed", "Terminated"].includes(String(body.runtimeStatus));

describe("GATE_MODE=shadow on a registry without quarantine", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ settings: { GATE_MODE: "shadow" } });
    await fetch(`${stack.acr.adminUrl}/policy`, {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ quarantine: "disabled" }),
    });
  });
  afterAll(async () => stack?.stop());

  it("evaluates every push and records what would have happened, without changing any quarantine state", async () => {
    await fetch(`${stack.acr.adminUrl}/stats`, { method: "DELETE" });
    const outcomes: Record<string, string> = {};
    for (const repository of ["team/clean-shadow", "team/vulnerable-shadow"]) {
      const image = await buildOciImage(freshTempDir("img"));
      expect(
        (
          await push(image.layoutRef, `${stack.acr.loginServer}/${repository}:v1`, {
            certDir: stack.acr.certDir,
            creds: stack.pushCreds,
          })
        ).code,
      ).toBe(0);
      const done = await stack.waitForStatus(
        `${stack.acr.loginServer}/${repository}@${image.manifestDigest}`,
        finished,
      );
      outcomes[repository] = (done.outcome as { result: string }).result;
      // Audited as what would have happened: would-release for the clean image, would-fail for the vulnerable one.
      expect((done.timeline as Array<{ action: string }>).map((r) => r.action)).toContain(
        repository === "team/clean-shadow" ? "would-release" : "would-fail",
      );
    }
    expect(outcomes).toEqual({ "team/clean-shadow": "would-pass", "team/vulnerable-shadow": "would-fail" });
    const stats = (await (await fetch(`${stack.acr.adminUrl}/stats`)).json()) as Record<string, number>;
    expect(stats["acr.manifests.patch"] ?? 0).toBe(0);
  });
});
