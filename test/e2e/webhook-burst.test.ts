import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack } from "../support/local-stack.js";
import { deliverWebhook } from "../support/webhook-delivery.js";
import { inboxDrained } from "../support/webhook-inbox.js";

/**
 * A burst of deliveries, with repeats, all at once: every delivery is answered 202 once it is kept in the webhook
 * inbox (none gets a 5xx), the inbox drains into one pipeline per digest, and a later repeat starts nothing anew.
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
    expect(answers.filter((a) => a.status !== 202)).toEqual([]);
    for (const digest of digests) {
      const mine = answers.filter((a) => a.digest === digest);
      expect(mine.every((a) => a.body.accepted === true)).toBe(true);
      expect(new Set(mine.map((a) => a.body.instanceId)).size).toBe(1);
    }
    await inboxDrained(stack);
    const reference = (digest: string) => `${stack.acr.loginServer}/burst/app@${digest}`;
    const before = await Promise.all(digests.map(async (digest) => (await stack.status(reference(digest))).body));
    for (const status of before) {
      expect(status.known).toBe(true);
      expect(typeof status.createdTime).toBe("string");
    }
    // A later repeat of a pipeline starts nothing: once drained, the instance is the same one (same creation time).
    const again = await deliver(digests[0]!);
    expect(again.status).toBe(202);
    await inboxDrained(stack);
    expect((await stack.status(reference(digests[0]!))).body.createdTime).toBe(before[0]!.createdTime);
  });
});
