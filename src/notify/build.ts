import type { TokenCredential } from "@azure/identity";
import type { TableClient } from "@azure/data-tables";
import { DeliveryLedger } from "./delivery-ledger.js";
import { eventSource } from "./event.js";
import { Notifier } from "./notifier.js";
import type { NotifySettings } from "./settings.js";
import { EventGridSink } from "./sinks/eventgrid.js";
import { JsonPoster } from "./sinks/http-post.js";
import type { Sink } from "./sinks/sink.js";
import { SlackSink } from "./sinks/slack.js";
import { TeamsSink } from "./sinks/teams.js";
import { WebhookSink } from "./sinks/webhook.js";

export interface NotifierParts {
  settings: NotifySettings;
  /** The managed identity (Event Grid sinks). */
  credential: () => TokenCredential;
  deliveries: TableClient;
  deadLetters: TableClient;
  /** Login server → ARM resource id, for the CloudEvents source. */
  resourceIds: ReadonlyMap<string, string>;
  now: () => Date;
  warn?: (line: string) => void;
}

/** The ledger alone (the sweep reads dead letters even when no sink is configured). */
export function deliveryLedger(deliveries: TableClient, deadLetters: TableClient): DeliveryLedger {
  return new DeliveryLedger(deliveries, deadLetters);
}

export function buildNotifier(parts: NotifierParts): { notifier: Notifier; ledger: DeliveryLedger } {
  const { settings } = parts;
  const poster = new JsonPoster();
  const sinks = new Map<string, Sink>();
  for (const sink of settings.sinks) {
    if (sink.kind === "eventgrid") sinks.set(sink.name, new EventGridSink(sink.name, sink.url, parts.credential()));
    else if (sink.kind === "webhook") sinks.set(sink.name, new WebhookSink(sink.name, sink.url, sink.secret!, poster));
    else if (sink.kind === "teams") sinks.set(sink.name, new TeamsSink(sink.name, sink.url, poster));
    else sinks.set(sink.name, new SlackSink(sink.name, sink.url, poster));
  }
  const ledger = deliveryLedger(parts.deliveries, parts.deadLetters);
  const notifier = new Notifier({
    router: settings.router,
    sinks,
    ledger,
    limits: settings.limits,
    source: (loginServer) => eventSource(loginServer, parts.resourceIds),
    now: parts.now,
    warn: parts.warn ?? ((line) => console.warn(line)),
  });
  return { notifier, ledger };
}
