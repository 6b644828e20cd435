import { EventGridPublisherClient } from "@azure/eventgrid";
import type { TokenCredential } from "@azure/identity";
import type { NotificationEvent } from "../event.js";
import { failure } from "./http-post.js";
import type { Sink } from "./sink.js";

/**
 * An Azure Event Grid custom topic with the CloudEvents 1.0 input schema, published with @azure/eventgrid's
 * EventGridPublisherClient ("CloudEvent" schema) and the app's managed identity: the SDK asks for the scope
 * `https://eventgrid.azure.net/.default` (@azure/eventgrid src/constants.ts DEFAULT_EVENTGRID_SCOPE), and Event Grid
 * checks the token's audience is `https://eventgrid.azure.net` and that the identity holds EventGrid Data Sender
 * (Microsoft Learn, event-grid/authenticate-with-microsoft-entra-id.md). The topic has local auth disabled, so no
 * key exists (infra/modules/eventgrid-topic.bicep). One attempt per call (`maxRetries: 0`): the retries are durable
 * (the notifyDelivery orchestration's retry policy).
 */
export class EventGridSink implements Sink {
  readonly kind = "eventgrid" as const;
  private readonly client: EventGridPublisherClient<"CloudEvent">;

  constructor(
    readonly name: string,
    endpoint: string,
    credential: TokenCredential,
  ) {
    this.client = new EventGridPublisherClient(endpoint, "CloudEvent", credential, { retryOptions: { maxRetries: 0 } });
  }

  async deliver(event: NotificationEvent, signal: AbortSignal): Promise<void> {
    try {
      await this.client.send(
        [
          {
            id: event.id,
            source: event.source,
            type: event.type,
            subject: event.subject,
            time: new Date(event.time!),
            datacontenttype: event.datacontenttype,
            data: event.data,
          },
        ],
        { abortSignal: signal },
      );
    } catch (error) {
      throw failure(this.name, error);
    }
  }
}
