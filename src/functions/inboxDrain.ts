import { app, type InvocationContext, type Timer } from "@azure/functions";
import * as df from "durable-functions";
import { compositionRoot } from "../composition/root.js";
import { observeTimer } from "../observability/triggers.js";

/**
 * Once a minute, starts the pipelines of any webhook delivery still in the inbox: the drain after a delivery runs on
 * the instance that answered it, after the answer, which a scale-in or a crash can cut short. Starting is idempotent,
 * so this drain and another running at once start nothing twice.
 */
export async function inboxDrain(_timer: Timer, context: InvocationContext): Promise<void> {
  const report = await compositionRoot().drainWebhookInbox(df.getClient(context), context);
  if (report.failed > 0) throw new Error(`${report.failed} webhook deliveries could not be started yet`);
}

app.timer("inboxDrain", {
  schedule: "0 * * * * *",
  extraInputs: [df.input.durableClient()],
  handler: observeTimer("webhook-inbox", inboxDrain),
});
