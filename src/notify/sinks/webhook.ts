import { Webhook } from "standardwebhooks";
import type { NotificationEvent } from "../event.js";
import type { JsonPoster } from "./http-post.js";
import type { Sink } from "./sink.js";

/**
 * A generic webhook signed per Standard Webhooks (https://www.standardwebhooks.com/, spec/standard-webhooks.md) with
 * the maintained `standardwebhooks` library: `webhook-id` (the CloudEvent id: the same on every retry, so receivers
 * deduplicate), `webhook-timestamp` and `webhook-signature` (`v1,` + base64 HMAC-SHA256 over
 * `id.timestamp.body`). The body is the event in CloudEvents structured JSON mode.
 */
export class WebhookSink implements Sink {
  readonly kind = "webhook" as const;
  private readonly signer: Webhook;

  constructor(
    readonly name: string,
    private readonly url: string,
    secret: string,
    private readonly poster: JsonPoster,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.signer = new Webhook(secret);
  }

  async deliver(event: NotificationEvent, signal: AbortSignal): Promise<void> {
    const body = JSON.stringify(event);
    const timestamp = this.now();
    const headers = {
      "content-type": "application/cloudevents+json; charset=utf-8",
      "webhook-id": event.id,
      "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
      "webhook-signature": this.signer.sign(event.id, timestamp, body),
    };
    await this.poster.post(this.name, this.url, body, headers, signal);
  }
}
