import * as df from "durable-functions";
import type { OrchestrationContext, Task } from "durable-functions";
import type { ImageKey } from "./image.js";
import { ACTIVITY } from "./names.js";
import type { PipelineInput, PipelineOutcome, VerdictSummary } from "./payloads.js";

/**
 * Notifications: what the orchestrations tell people (docs/notifications.md). The orchestrations only say what
 * happened; the `notify` activity routes it to the sinks the subscription document names and hands each (event,
 * sink) to a `notifyDelivery` orchestration of its own, which sends it with durable retries and records a dead
 * letter when the sink stays down. The pipeline never waits on a sink: `notify` sends nothing, never throws, and the
 * orchestrations ignore its answer.
 */

/** The event types, without the CloudEvents type prefix (NOTIFICATION_TYPE_PREFIX in src/notify). */
export const NOTIFICATION_TYPES = [
  "image.quarantined",
  "scan.completed",
  "scan.failed",
  "approval.requested",
  "approval.reminder",
  "approval.given",
  "image.released",
  "image.failed",
  "image.left-quarantined",
  "breakglass.used",
  "sweep.completed",
  // Re-evaluation of released images (docs/reevaluation.md): a finding's remediation record and what the gate did.
  "remediation.opened",
  "remediation.reminder",
  "remediation.closed",
  "remediation.due",
  "image.reblocked",
  "image.reopened",
] as const;

export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** What an event says besides the image; counts, names and links only, never tokens or report bodies. */
export interface NotificationFacts {
  decision?: string;
  severityCounts?: Record<string, number>;
  findings?: number;
  policyVersion?: string;
  scanner?: string;
  /** Who decided or acted: the policy, the gate, a person (name and object id). */
  actor?: string;
  reason?: string;
  approve?: boolean;
  /** The approval deadline (approval.requested, approval.reminder). */
  deadline?: string;
  /** approval.reminder: how much of the approval time has gone, in percent (50 or 90). */
  percent?: number;
  /** Break-glass: Passed over a failing verdict, and the pipeline it overrides. */
  override?: boolean;
  overrides?: string;
  /** sweep.completed: the sweep's counts per registry. */
  counts?: Record<string, number>;
  trigger?: string;
  /** remediation.*: the finding the record tracks, its deadline, and for a reminder how many days before it. */
  findingId?: string;
  package?: string;
  severity?: string;
  dueBy?: string;
  daysBefore?: number;
  /** remediation.due: what the deadline did (block, warn, ask-approval); remediation.closed: why it closed. */
  action?: string;
  /** image.reblocked / image.reopened: what the registry showed after the write (read back). */
  readEnabled?: boolean;
  quarantineState?: string;
}

/** The notify activity's input: one occurrence of one event type. */
export interface NotifyRequest {
  type: NotificationType;
  /** The image it is about; sweep.completed names only the registry (digest and repository empty). */
  image: ImageKey;
  tag?: string;
  /** The instance (or sweep run) the occurrence belongs to. */
  instanceId: string;
  /**
   * Which occurrence: the orchestration execution's start time (a restarted pipeline is a new round), plus a key for
   * events that occur more than once per round (a reminder's percent). With instanceId and type it makes the event
   * id, so a replayed or repeated activity sends the same id.
   */
  round: string;
  /** When it happened, on the orchestration's clock. */
  at: string;
  facts: NotificationFacts;
  /** The status link of the image; the approval link until the approval page exists. */
  statusUrl?: string;
}

/** What the notify activity did: for the event line only (the orchestrations ignore it). */
export interface NotifyResult {
  eventId: string;
  /** The sinks the event is routed to. */
  sinks: number;
  /** Sinks whose delivery started now: all of them, or none when the event's delivery was there already (a repeat). */
  started: number;
  /** Set when nothing could be handed off (settings, routing, the durable client): a code, never a URL. */
  error?: string;
}

/**
 * How hard a delivery tries: the durable retry policy of deliverNotification, from the settings (NOTIFY_MAX_RETRIES,
 * NOTIFY_RETRY_INTERVAL) when notify handed the event off, carried in the input so the orchestration stays
 * deterministic. Bounded: at most `maxAttempts` attempts, then a dead letter.
 */
export interface NotifyRetry {
  maxAttempts: number;
  firstRetryIntervalMs: number;
  backoffCoefficient: number;
  maxRetryIntervalMs: number;
}

/**
 * The notifyEvent orchestration's input: one event to its sinks. Sink names only, never a URL or a secret.
 */
export interface NotifyEventInput {
  request: NotifyRequest;
  eventId: string;
  sinks: string[];
  retry: NotifyRetry;
}

/** One attempt of one event to one sink (the attemptNotification activity's input). */
export interface NotificationAttemptInput {
  request: NotifyRequest;
  eventId: string;
  sink: string;
}

/**
 * One attempt's answer to notifyEvent. Nothing is thrown for a sink's failure: `retry` is a failure a later attempt
 * may get over (no answer, 408, 429, 5xx, the ledger out of reach), which the orchestration retries on its own timers.
 */
export interface NotificationAttemptResult {
  outcome: "delivered" | "duplicate" | "refused" | "retry";
  /** For refused and retry: the status or network code (never a URL). */
  error?: string;
  status?: number;
}

/** How one event's delivery to one sink ended. */
export interface SinkDeliveryOutcome {
  sink: string;
  result: "delivered" | "duplicate" | "dead-letter" | "dead-letter-unrecorded";
}

/** How one event's delivery ended (the notifyEvent orchestration's output), per sink. */
export interface NotifyEventOutcome {
  eventId: string;
  sinks: SinkDeliveryOutcome[];
}

/**
 * The wait before attempt `attempt + 1` (attempt ≥ 1) under a retry policy, as DTFx computes a retry's delay:
 * first interval × coefficient^(attempt − 1), capped at the maximum interval.
 */
export function notifyRetryDelayMs(retry: NotifyRetry, attempt: number): number {
  const delay = retry.firstRetryIntervalMs * Math.pow(retry.backoffCoefficient, attempt - 1);
  return Math.min(delay, retry.maxRetryIntervalMs);
}

/**
 * The legacy notifyDelivery orchestration's input (one event to one sink), kept for instances started before
 * notifyEvent. Sink names only, never a URL or a secret.
 */
export interface NotifyDeliveryInput {
  request: NotifyRequest;
  eventId: string;
  sink: string;
  retry: NotifyRetry;
}

/** One attempt's answer. A retryable failure is thrown instead (the durable retry policy tries again). */
export interface DeliverNotificationResult {
  /** delivered: the sink took it; duplicate: another attempt holds or made the delivery; refused: final, not retried. */
  outcome: "delivered" | "duplicate" | "refused";
  /** For refused: the status or network code (never a URL). */
  error?: string;
  status?: number;
}

/** A delivery that stayed undelivered. `error` when the orchestration knows it (a refusal); else the ledger's last. */
export interface NotificationDeadLetterInput {
  request: NotifyRequest;
  eventId: string;
  sink: string;
  error?: string;
  status?: number;
}

/** How one delivery ended (the notifyDelivery orchestration's output). */
export interface NotifyDeliveryOutcome {
  eventId: string;
  sink: string;
  result: "delivered" | "duplicate" | "dead-letter" | "dead-letter-unrecorded";
}

/** The durable retry policy of one delivery (DTFx semantics: first interval × coefficient^n, capped, n attempts). */
export function notifyRetryOptions(retry: NotifyRetry): df.RetryOptions {
  const options = new df.RetryOptions(retry.firstRetryIntervalMs, retry.maxAttempts);
  options.backoffCoefficient = retry.backoffCoefficient;
  options.maxRetryIntervalInMilliseconds = retry.maxRetryIntervalMs;
  return options;
}

/** The facts of a verdict that an event carries: counts, decision, policy version and scanner. */
export function verdictFacts(verdict: VerdictSummary | undefined): NotificationFacts {
  if (!verdict) return {};
  return {
    decision: verdict.decision,
    severityCounts: verdict.severityCounts,
    findings: verdict.findings,
    policyVersion: verdict.policyVersion,
    scanner: verdict.scanner,
  };
}

/** The image event an outcome ends with; undefined for outcomes that write nothing and decide nothing new. */
export function outcomeNotification(result: PipelineOutcome["result"]): NotificationType | undefined {
  if (result === "Passed") return "image.released";
  if (result === "Failed") return "image.failed";
  if (result === "left-quarantined") return "image.left-quarantined";
  return undefined;
}

/** Notifies from an orchestration: `yield* notify(type, facts)`. */
export type Notify = (
  type: NotificationType,
  facts?: NotificationFacts,
  key?: string,
) => Generator<Task, void, unknown>;

/**
 * The orchestrations' way to notify: schedules the notify activity once (no retry policy: it only hands the event to
 * the delivery orchestrations and never throws, so a durable retry could only delay the pipeline) and ignores
 * whatever happens to it.
 * `round` is fixed for the execution (its start time, from history), so every replay schedules the same request.
 */
export function notifier(context: OrchestrationContext, input: PipelineInput, round: string): Notify {
  return function* (type, facts = {}, key) {
    const request: NotifyRequest = {
      type,
      image: input.image,
      ...(input.tag ? { tag: input.tag } : {}),
      instanceId: context.df.instanceId,
      round: key ? `${round}#${key}` : round,
      at: context.df.currentUtcDateTime.toISOString(),
      facts,
      ...(input.statusUrl ? { statusUrl: input.statusUrl } : {}),
    };
    try {
      yield context.df.callActivity(ACTIVITY.notify, request);
    } catch {
      // Delivery never changes a decision: a notify activity that failed anyway (the host lost it) is ignored.
    }
  };
}
