import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack } from "../support/local-stack.js";
import { buildOciIndex } from "../../local/tools/oci-image.js";
import { inspectRaw, pull, push } from "../support/skopeo.js";
import { freshTempDir } from "../support/paths.js";

const finished = (body: Record<string, unknown>) =>
  ["Completed", "Failed", "Terminated"].includes(String(body.runtimeStatus));

describe("multi-platform images (OCI image index) end to end", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => stack?.stop());

  async function pushIndex(repository: string) {
    const index = await buildOciIndex(freshTempDir("index"));
    const result = await push(
      index.layoutRef,
      `${stack.acr.loginServer}/${repository}:v1`,
      { certDir: stack.acr.certDir, creds: stack.pushCreds },
      { all: true },
    );
    expect(result.code, result.stderr).toBe(0);
    return index;
  }

  it("scans every platform manifest and releases the index only when all pass; the platforms are released too", async () => {
    const index = await pushIndex("team/multi-app");
    const reference = `${stack.acr.loginServer}/team/multi-app@${index.manifestDigest}`;
    const done = await stack.waitForStatus(reference, finished);
    const verdict = done.verdict as { decision: string; platforms: Array<{ digest: string }> };
    expect(verdict.platforms.map((p) => p.digest).sort()).toEqual(index.platforms.map((p) => p.digest).sort());
    expect((done.outcome as { result: string }).result).toBe("Passed");
    for (const platform of index.platforms) {
      const child = await stack.waitForStatus(`${stack.acr.loginServer}/team/multi-app@${platform.digest}`, finished);
      expect((child.outcome as { result: string }).result).toBe("Passed");
    }
    const pulled = await pull(`${stack.acr.loginServer}/team/multi-app:v1`, freshTempDir("pulled"), {
      certDir: stack.acr.certDir,
      creds: await stack.pullCreds(),
    });
    expect(pulled.code, pulled.stderr).toBe(0);
  });

  it("fails the index when a platform fails, and the index stays unpullable", async () => {
    const index = await pushIndex("team/vulnerable-multi");
    const done = await stack.waitForStatus(
      `${stack.acr.loginServer}/team/vulnerable-multi@${index.manifestDigest}`,
      finished,
    );
    expect((done.outcome as { result: string }).result).toBe("Failed");
    expect((done.verdict as { platforms: unknown[] }).platforms).toHaveLength(2);
    const pulled = await inspectRaw(`${stack.acr.loginServer}/team/vulnerable-multi:v1`, {
      certDir: stack.acr.certDir,
      creds: await stack.pullCreds(),
    });
    expect(pulled.code).not.toBe(0);
  });
});
