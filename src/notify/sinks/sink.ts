import type { NotificationEvent } from "../event.js";
import type { SinkKind } from "../subscriptions.js";

/** How hard one delivery tries: bounded retries with backoff, and a budget no delivery outlives. */
export interface DeliveryLimits {
  /** Retries after the first attempt (the Azure SDK pipeline's exponential retry and Retry-After policies). */
  maxRetries: number;
  retryDelayMs: number;
  maxRetryDelayMs: number;
  /** The budget of one delivery, all attempts and waits included: then it is a dead letter. */
  budgetMs: number;
}

export const DEFAULT_DELIVERY_LIMITS: DeliveryLimits = {
  maxRetries: 2,
  retryDelayMs: 500,
  maxRetryDelayMs: 4_000,
  budgetMs: 15_000,
};

/** A place events go. `deliver` resolves when the sink took the event; it throws SinkDeliveryError otherwise. */
export interface Sink {
  readonly name: string;
  readonly kind: SinkKind;
  deliver(event: NotificationEvent, signal: AbortSignal): Promise<void>;
}
