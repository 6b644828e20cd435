import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack } from "../support/local-stack.js";
import { pushTestImage } from "../support/push-image.js";

/**
 * The Harbor adapter path (SCANNER_KIND=harbor, the scanner emulator): the poll activity judges the report and stores
 * its findings rows, and the image view API (what the approval page reads) returns them, with what the policy made of
 * each. The queue path (the stand-in Trivy) is shown in the browser test (test/browser/approval-page.test.ts).
 */
describe("findings rows on the Harbor path", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ scanWorker: false, settings: { SCANNER_KIND: "harbor" } });
  });
  afterAll(async () => stack?.stop());

  const pushImage = (repository: string): Promise<string> => pushTestImage(stack, repository);

  async function imageView(reference: string): Promise<Record<string, unknown>> {
    const answer = await fetch(`${stack.devhost.url}/api/views/image?image=${encodeURIComponent(reference)}`, {
      headers: { Authorization: `Bearer ${await stack.personToken("reader")}` },
    });
    expect(answer.status).toBe(200);
    return (await answer.json()) as Record<string, unknown>;
  }

  it("a risky image waits for approval and its view lists the scanner's finding as needing approval", async () => {
    const reference = await pushImage("team/risky-rows");
    const waiting = await stack.waitForStatus(reference, (b) => b.stage === "awaiting-approval");
    const view = await imageView(reference);
    // The local advisory for `*risky*` (local/stack/advisories.ts): one High in zlib, which the stack's policy sends
    // to a person.
    expect(view.findings).toEqual([
      {
        id: "CVE-2026-0002",
        kind: "vulnerability",
        package: "zlib",
        installed: "1.2.11",
        fixed: "1.2.13",
        severity: "High",
        target: expect.any(String) as unknown,
        disposition: "needs-approval",
        why: expect.stringContaining("requireApprovalAt") as unknown,
      },
    ]);
    // Stored when the verdict was made (the orchestration's clock, which the verdict carries too).
    expect(view.findingsJudgedAt).toBe((waiting.verdict as { evaluatedAt: string }).evaluatedAt);
  }, 120_000);

  it("a vulnerable image fails and its view says which finding blocks it; a clean one has no rows", async () => {
    const vulnerable = await pushImage("team/vulnerable-rows");
    const clean = await pushImage("team/clean-rows");
    const finished = (b: Record<string, unknown>) => ["Completed", "Failed"].includes(String(b.runtimeStatus));
    await stack.waitForStatus(vulnerable, finished);
    await stack.waitForStatus(clean, finished);
    expect((await imageView(vulnerable)).findings).toMatchObject([
      { id: "CVE-2026-0001", package: "openssl", severity: "Critical", disposition: "blocks" },
    ]);
    expect((await imageView(clean)).findings).toEqual([]);
  }, 120_000);
});
