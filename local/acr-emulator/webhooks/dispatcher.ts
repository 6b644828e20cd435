import type { RegistryStore } from "../persistence/store.js";
import type { WebhookConfig } from "../model.js";
import { eventTagAndRepository, type WebhookEvent } from "./events.js";
import { scopeMatches } from "./scope-filter.js";

/** One delivery attempt as the log records it (ACR's listEvents keeps request and response similarly). */
export interface DeliveryRecord {
  webhook: string;
  eventId: string;
  action: string;
  attempt: number;
  at: string;
  requestUri: string;
  content: WebhookEvent;
  statusCode?: number;
  error?: string;
}

const USER_AGENT = "AzureContainerRegistry/1.0.0";
const LOG_LIMIT = 5_000;

/**
 * Delivers events to every enabled webhook whose actions and scope match, in the background, retrying failures with
 * exponential backoff on 5xx, 429 and network errors. ACR's own retry policy is unconfirmed; attempts and delays are settings.
 */
export class WebhookDispatcher {
  private readonly log: DeliveryRecord[] = [];
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly store: RegistryStore) {}

  emit(event: WebhookEvent): void {
    const { repository, tag } = eventTagAndRepository(event);
    for (const webhook of this.store.allWebhooks()) {
      if (webhook.status !== "enabled") continue;
      if (event.action !== "ping" && !webhook.actions.includes(event.action)) continue;
      if (event.action !== "ping" && repository !== undefined && !scopeMatches(webhook.scope, repository, tag))
        continue;
      this.track(this.deliver(webhook, event));
    }
  }

  /** A ping goes to one webhook whatever its actions and scope, as ACR's ping API does. */
  ping(webhook: WebhookConfig, event: WebhookEvent): Promise<void> {
    const delivery = this.deliver(webhook, event);
    this.track(delivery);
    return delivery;
  }

  deliveries(webhook?: string): DeliveryRecord[] {
    return this.log.filter((d) => webhook === undefined || d.webhook === webhook);
  }

  /** Deliveries started and not finished yet (an event to one webhook, with all its retries, counts once). */
  pending(): number {
    return this.inFlight.size;
  }

  /**
   * Waits until the dispatcher has nothing in flight: every delivery started before or during the wait has finished
   * (delivered, refused with a 4xx, or given up after its last retry). Answers `drained: false` with what is still
   * pending when `timeoutMs` passes first; nothing is cancelled either way.
   */
  async drain(timeoutMs: number): Promise<{ drained: boolean; pending: number; waitedMs: number }> {
    const started = Date.now();
    const timedOut = Symbol("timeout");
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<typeof timedOut>((resolve) => {
      timer = setTimeout(() => resolve(timedOut), timeoutMs);
    });
    try {
      while (this.inFlight.size > 0) {
        const outcome = await Promise.race([Promise.allSettled([...this.inFlight]), deadline]);
        if (outcome === timedOut)
          return { drained: false, pending: this.inFlight.size, waitedMs: Date.now() - started };
      }
      return { drained: true, pending: 0, waitedMs: Date.now() - started };
    } finally {
      clearTimeout(timer);
    }
  }

  private track(delivery: Promise<void>): void {
    this.inFlight.add(delivery);
    void delivery.finally(() => this.inFlight.delete(delivery));
  }

  private async deliver(webhook: WebhookConfig, event: WebhookEvent): Promise<void> {
    const { maxAttempts, initialDelayMs, timeoutMs } = this.store.settings().webhookRetry;
    const body = JSON.stringify(event);
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const record: DeliveryRecord = {
        webhook: webhook.name,
        eventId: event.id,
        action: event.action,
        attempt,
        at: new Date().toISOString(),
        requestUri: webhook.serviceUri,
        content: event,
      };
      try {
        const response = await fetch(webhook.serviceUri, {
          method: "POST",
          headers: { ...webhook.customHeaders, "Content-Type": "application/json", "User-Agent": USER_AGENT },
          body,
          signal: AbortSignal.timeout(timeoutMs),
        });
        await response.arrayBuffer().catch(() => undefined);
        record.statusCode = response.status;
      } catch (error) {
        record.error = (error as Error).message;
      }
      this.append(record);
      // 2xx is delivered; another 4xx (bad key, bad payload) will not improve on retry. 5xx, 429 and network errors do.
      if (record.statusCode !== undefined && record.statusCode < 500 && record.statusCode !== 429) return;
      if (attempt < maxAttempts) await new Promise((r) => setTimeout(r, initialDelayMs * 2 ** (attempt - 1)));
    }
  }

  private append(record: DeliveryRecord): void {
    this.log.push(record);
    if (this.log.length > LOG_LIMIT) this.log.splice(0, this.log.length - LOG_LIMIT);
  }
}
