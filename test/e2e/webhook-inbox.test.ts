import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BlobWebhookInbox } from "../../src/pipeline/webhook/inbox.js";
import { startTestStack, type TestStack } from "../support/local-stack.js";
import { buildOciImage } from "../support/oci-image.js";
import { push } from "../support/skopeo.js";
import { freshTempDir } from "../support/paths.js";
import { inboxBatches, inboxDrained, webhookInboxContainer } from "../support/webhook-inbox.js";
import { sleep } from "../integration/sweep/support.js";
import { pointWebhookAt } from "../../local/stack/compose.js";

const finished = (body: Record<string, unknown>) =>
  ["Completed", "Failed", "Terminated"].includes(String(body.runtimeStatus));

/**
 * Nothing accepted is lost: a delivery committed to the webhook inbox by a host that died before draining it is
 * started by the inboxDrain timer (run here through the host's admin API, as the real host allows for any
 * non-HTTP function), and the image is decided.
 */
describe("the webhook inbox across a host that died after answering", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => stack?.stop());

  it("an entry left in the inbox is started by the inboxDrain timer, and the image is released", async () => {
    // The registry does not call the gate for this push: the only trace of the delivery is the inbox batch.
    await pointWebhookAt(stack.acr, stack.devhost.url, stack.devhost.keys.functionKey, "disabled");
    const image = await buildOciImage(freshTempDir("img"));
    const pushed = await push(image.layoutRef, `${stack.acr.loginServer}/team/inbox-app:v1`, {
      certDir: stack.acr.certDir,
      creds: stack.pushCreds,
    });
    expect(pushed.code, pushed.stderr).toBe(0);
    const reference = `${stack.acr.loginServer}/team/inbox-app@${image.manifestDigest}`;
    // What the host that answered the delivery had committed before it died.
    await new BlobWebhookInbox(webhookInboxContainer(stack)).accept({
      image: { loginServer: stack.acr.loginServer, repository: "team/inbox-app", digest: image.manifestDigest },
      source: "webhook",
      tag: "v1",
      receivedAt: new Date().toISOString(),
    });
    await sleep(500);
    expect((await stack.status(reference)).status).toBe(404);
    expect(await inboxBatches(stack)).toHaveLength(1);

    const run = await fetch(`${stack.devhost.url}/admin/functions/inboxDrain`, {
      method: "POST",
      headers: { "x-functions-key": stack.devhost.keys.masterKey, "Content-Type": "application/json" },
      body: JSON.stringify({ input: "" }),
    });
    expect(run.status).toBe(202);
    await inboxDrained(stack);
    const done = await stack.waitForStatus(reference, finished);
    expect(done.outcome).toMatchObject({ result: "Passed" });
  });
});
