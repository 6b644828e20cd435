import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack } from "../support/local-stack.js";
import { buildOciImage } from "../support/oci-image.js";
import { inspectRaw, push } from "../support/skopeo.js";
import { freshTempDir } from "../support/paths.js";

describe("the quarantine pipeline end to end (skopeo → ACR emulator → webhook → devhost → scanner → release)", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => stack?.stop());

  async function pushImage(repository: string, tag = "v1"): Promise<string> {
    const image = await buildOciImage(freshTempDir("img"));
    const result = await push(image.layoutRef, `${stack.acr.loginServer}/${repository}:${tag}`, {
      certDir: stack.acr.certDir,
      creds: stack.pushCreds,
    });
    expect(result.code, result.stderr).toBe(0);
    return `${stack.acr.loginServer}/${repository}@${image.manifestDigest}`;
  }

  const done = (body: Record<string, unknown>) =>
    ["Completed", "Failed", "Terminated"].includes(String(body.runtimeStatus));

  it("releases a clean image automatically, and a consumer can pull it", async () => {
    const reference = await pushImage("team/clean-app");
    const finished = await stack.waitForStatus(reference, done);
    expect(finished.runtimeStatus).toBe("Completed");
    expect((finished.outcome as { result: string }).result).toBe("Passed");
    const pulled = await inspectRaw(`${stack.acr.loginServer}/team/clean-app:v1`, {
      certDir: stack.acr.certDir,
      creds: await stack.pullCreds(),
    });
    expect(pulled.code, pulled.stderr).toBe(0);
    expect((finished.timeline as Array<{ action: string }>).map((r) => r.action)).toContain("released");
  });

  it("fails a vulnerable image: still unpullable, and the status says which finding", async () => {
    const reference = await pushImage("team/vulnerable-app");
    const finished = await stack.waitForStatus(reference, done);
    expect((finished.outcome as { result: string }).result).toBe("Failed");
    const verdict = finished.verdict as { decision: string; platforms: Array<{ reasons: string[] }> };
    expect(verdict.decision).toBe("fail");
    expect(verdict.platforms[0]!.reasons.join(" ")).toContain("CVE-2019-18224");
    const pulled = await inspectRaw(`${stack.acr.loginServer}/team/vulnerable-app:v1`, {
      certDir: stack.acr.certDir,
      creds: await stack.pullCreds(),
    });
    expect(pulled.code).not.toBe(0);
  });
});
