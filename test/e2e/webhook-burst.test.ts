import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack } from "../support/local-stack.js";
import { deliverWebhook } from "../support/webhook-delivery.js";

/**
 * A burst of deliveries, with repeats, all at once: the first delivery of each digest starts its pipeline without a
 * status read (a start claim), every repeat is answered "already" from the pipeline's status, and none gets a 5xx.
 * (How fast it answers is a benchmark's business: npm run bench:pipeline.)
 */
describe("the webhook under a burst", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => stack?.stop());

  const deliver = (digest: string) => deliverWebhook(stack, { digest, repository: "burst/app" });

  it("60 digests delivered 3 times each, at once: one pipeline per digest, every delivery answered", async () => {
    const digests = Array.from({ length: 60 }, () => `sha256:${randomBytes(32).toString("hex")}`);
    const answers = await Promise.all(
      digests.flatMap((digest) =>
        [0, 1, 2].map(async () => {
          const response = await deliver(digest);
          return { digest, status: response.status, body: (await response.json()) as Record<string, unknown> };
        }),
      ),
    );
    expect(answers.filter((a) => a.status >= 500)).toEqual([]);
    for (const digest of digests) {
      const mine = answers.filter((a) => a.digest === digest);
      expect(mine.map((a) => a.status).sort()).toEqual([200, 200, 202]);
      expect(mine.filter((a) => a.body.started === true)).toHaveLength(1);
      expect(new Set(mine.map((a) => a.body.instanceId)).size).toBe(1);
      for (const repeat of mine.filter((a) => a.status === 200))
        expect(["Pending", "Running"]).toContain(repeat.body.runtimeStatus);
    }
    // A later repeat of a live pipeline still starts nothing.
    const again = await deliver(digests[0]!);
    expect(again.status).toBe(200);
  });
});
