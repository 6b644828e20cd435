import type { DurableClient } from "durable-functions";
import { pipelineInput, type PipelineSettings } from "../input.js";
import { startPipeline } from "../instances.js";
import type { InboxDrainDeps } from "./inbox-drain.js";
import type { WebhookInbox } from "./inbox.js";
import type { StartClaims } from "./start-claims.js";

/** What a drain of the webhook inbox uses: the durable client of the invocation that drains, and the app's parts. */
export function inboxDrainDeps(
  client: DurableClient,
  parts: {
    inbox: WebhookInbox;
    settings: PipelineSettings;
    claims: StartClaims;
    now: () => Date;
    log(line: string): void;
    warn(line: string): void;
  },
): InboxDrainDeps {
  return {
    inbox: parts.inbox,
    // The settings at start time, as before the inbox: a delivery's pipeline runs with the deadlines in force now.
    start: (entry) =>
      startPipeline(client, pipelineInput(parts.settings, entry.image, entry.source, entry.tag), {
        claims: parts.claims,
        now: parts.now(),
      }),
    log: parts.log,
    warn: parts.warn,
  };
}
