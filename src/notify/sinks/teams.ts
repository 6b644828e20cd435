import type { NotificationEvent } from "../event.js";
import { chatSummary, type ChatSummary } from "../message.js";
import type { JsonPoster } from "./http-post.js";
import type { Sink } from "./sink.js";

/**
 * Microsoft Teams through a Workflows webhook ("When a Teams webhook request is received" / the template "Post to a
 * channel when a webhook request is received"). The Office 365 / Microsoft 365 connectors are retiring and out of
 * scope: "Workflows support Adaptive Cards only. It doesn't support the older message card format that Office 365
 * Connectors use" (Microsoft Learn, Teams platform, webhooks-and-connectors/how-to/connectors-using, "Known issues").
 * The body is a message with one Adaptive Card attachment, the shape Teams documents for cards sent to a webhook
 * (`type: "message"`, `attachments[].contentType: "application/vnd.microsoft.card.adaptive"`, `content`: the card;
 * msteams-docs webhooks-and-connectors/how-to/add-incoming-webhook.md, "Send Adaptive Cards using an Incoming
 * Webhook"). The card targets Adaptive Cards 1.5 (validated in tests against the schema adaptivecards.io publishes,
 * microsoft/AdaptiveCards schemas/1.5.0/adaptive-card.json). Teams limits a message to 28 KB; ours are far below.
 */
export const ADAPTIVE_CARD_VERSION = "1.5";

export function adaptiveCard(summary: ChatSummary): Record<string, unknown> {
  const body: Array<Record<string, unknown>> = [
    { type: "TextBlock", text: summary.title, weight: "Bolder", size: "Medium", wrap: true },
  ];
  if (summary.text) body.push({ type: "TextBlock", text: summary.text, wrap: true });
  body.push({ type: "FactSet", facts: summary.facts.map((f) => ({ title: f.name, value: f.value })) });
  return {
    type: "AdaptiveCard",
    $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
    version: ADAPTIVE_CARD_VERSION,
    body,
    ...(summary.link
      ? { actions: [{ type: "Action.OpenUrl", title: summary.link.title, url: summary.link.url }] }
      : {}),
  };
}

export function teamsMessage(event: NotificationEvent): Record<string, unknown> {
  return {
    type: "message",
    attachments: [
      {
        contentType: "application/vnd.microsoft.card.adaptive",
        contentUrl: null,
        content: adaptiveCard(chatSummary(event)),
      },
    ],
  };
}

export class TeamsSink implements Sink {
  readonly kind = "teams" as const;

  constructor(
    readonly name: string,
    private readonly url: string,
    private readonly poster: JsonPoster,
  ) {}

  async deliver(event: NotificationEvent, signal: AbortSignal): Promise<void> {
    await this.poster.post(this.name, this.url, JSON.stringify(teamsMessage(event)), {}, signal);
  }
}
