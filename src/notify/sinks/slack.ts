import type { NotificationEvent } from "../event.js";
import { chatSummary } from "../message.js";
import type { JsonPoster } from "./http-post.js";
import type { Sink } from "./sink.js";

/**
 * Slack incoming webhook with a Block Kit message (https://api.slack.com/messaging/webhooks; blocks reference
 * https://api.slack.com/reference/block-kit/blocks): `text` as the notification fallback, a `header` (plain_text, at
 * most 150 characters), a `section` with the reason (mrkdwn text, at most 3000), a `section` of `fields` (at most 10,
 * each at most 2000 characters) and an `actions` block with one link `button` (text at most 75 characters, url at
 * most 3000). These limits are Slack's reference as quoted by maintained Block Kit libraries (slack-messaging, rSlack,
 * slackblocks); Slack's own page was not available to check (docs/local-stack.md, "Unconfirmed: notifications"). Text
 * from the event is escaped (&, <, > as HTML entities: the characters mrkdwn uses for links and mentions), so a
 * reason cannot inject either.
 */
export const SLACK_LIMITS = {
  header: 150,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  buttonText: 75,
  url: 3000,
} as const;

export function slackEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export function slackMessage(event: NotificationEvent): Record<string, unknown> {
  const summary = chatSummary(event);
  const blocks: Array<Record<string, unknown>> = [
    { type: "header", text: { type: "plain_text", text: cut(summary.title, SLACK_LIMITS.header), emoji: false } },
  ];
  if (summary.text)
    blocks.push({
      type: "section",
      text: { type: "mrkdwn", text: cut(slackEscape(summary.text), SLACK_LIMITS.sectionText) },
    });
  blocks.push({
    type: "section",
    fields: summary.facts.slice(0, SLACK_LIMITS.fields).map((f) => ({
      type: "mrkdwn",
      text: cut(`*${slackEscape(f.name)}*\n${slackEscape(f.value)}`, SLACK_LIMITS.fieldText),
    })),
  });
  if (summary.link && summary.link.url.length <= SLACK_LIMITS.url)
    blocks.push({
      type: "actions",
      elements: [
        {
          type: "button",
          text: { type: "plain_text", text: cut(summary.link.title, SLACK_LIMITS.buttonText) },
          url: summary.link.url,
          action_id: "open-link",
        },
      ],
    });
  return { text: cut(summary.title, 3000), blocks };
}

export class SlackSink implements Sink {
  readonly kind = "slack" as const;

  constructor(
    readonly name: string,
    private readonly url: string,
    private readonly poster: JsonPoster,
  ) {}

  async deliver(event: NotificationEvent, signal: AbortSignal): Promise<void> {
    await this.poster.post(this.name, this.url, JSON.stringify(slackMessage(event)), {}, signal);
  }
}
