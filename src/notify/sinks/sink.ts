import type { NotificationEvent } from "../event.js";
import type { SinkKind } from "../subscriptions.js";

/**
 * How hard one delivery tries: each attempt is one durable activity (deliverNotification) with a budget of its own;
 * the retries are the durable retry policy of the notifyDelivery orchestration (src/pipeline/contract/notify.ts
 * NotifyRetry), bounded, then a dead letter.
 */
export interface DeliveryLimits {
  /** Retries after the first attempt (NOTIFY_MAX_RETRIES). */
  maxRetries: number;
  /** The wait before the first retry (NOTIFY_RETRY_INTERVAL), doubling after each. */
  retryDelayMs: number;
  /** The longest wait between two attempts. */
  maxRetryDelayMs: number;
  /** The budget of one attempt, request and answer (NOTIFY_DELIVERY_BUDGET): then it failed. */
  budgetMs: number;
}

/** 5 attempts, 10 s, 20 s, 40 s, 80 s apart: a sink that is down for about 2.5 minutes is a dead letter. */
export const DEFAULT_DELIVERY_LIMITS: DeliveryLimits = {
  maxRetries: 4,
  retryDelayMs: 10_000,
  maxRetryDelayMs: 300_000,
  budgetMs: 15_000,
};

/** A place events go. `deliver` resolves when the sink took the event; it throws SinkDeliveryError otherwise. */
export interface Sink {
  readonly name: string;
  readonly kind: SinkKind;
  deliver(event: NotificationEvent, signal: AbortSignal): Promise<void>;
}
