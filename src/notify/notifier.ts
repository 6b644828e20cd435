import type {
  DeliverNotificationResult,
  NotificationAttemptInput,
  NotificationAttemptResult,
  NotificationDeadLetterInput,
  NotifyEventInput,
  NotifyRequest,
  NotifyResult,
  NotifyRetry,
} from "../pipeline/contract/notify.js";
import { notifyEventInstanceId } from "../pipeline/contract/ids.js";
import { eventLine } from "../observability/event-line.js";
import type { DeliveryLedger } from "./delivery-ledger.js";
import { buildNotificationEvent, cloudEventType, notificationEventId, type NotificationEvent } from "./event.js";
import { SinkDeliveryError } from "./errors.js";
import type { Router } from "./subscriptions.js";
import type { DeliveryLimits, Sink } from "./sinks/sink.js";

export interface NotifierDeps {
  router: Router;
  sinks: ReadonlyMap<string, Sink>;
  ledger: DeliveryLedger;
  limits: DeliveryLimits;
  /** The CloudEvents `source` for a registry: its ARM resource id, or its login server. */
  source(loginServer: string): string;
  now(): Date;
  /** One log line (the host forwards console output); dead letters are warnings. */
  warn(line: string): void;
}

/**
 * Starts the delivery of one event to its sinks under its instance id (the notifyEvent orchestration), once:
 * resolves true when it started it, false when an instance with that id was already there (a repeat).
 */
export type StartDelivery = (instanceId: string, input: NotifyEventInput) => Promise<boolean>;

/**
 * Notifications in three steps, none of which decides anything:
 * - `handOff` (the notify activity): builds the occurrence's CloudEvent, asks the router for its sinks and starts one
 *   delivery to all of them, named after the event id. It sends nothing, so the caller never waits on a sink.
 * - `attempt` (the attemptNotification activity, retried in rounds by notifyEvent, through `answer`; and the legacy
 *   deliverNotification): one send, claimed first in the delivery ledger so that repeats deliver nothing twice. A
 *   failure the sink may get over (no answer, 408, 429, 5xx) is thrown; one it will not (other 4xx) is answered as
 *   refused. `answer` turns the thrown failure into `retry` for notifyEvent.
 * - `deadLetter` (recordNotificationDeadLetter): the delivery is settled `dead-letter`, a row goes to the dead-letter
 *   table and a warning line is written.
 */
export class Notifier {
  constructor(private readonly deps: NotifierDeps) {}

  /** The durable retry policy of every delivery, from the settings (carried in the delivery's input). */
  retry(): NotifyRetry {
    const { limits } = this.deps;
    return {
      maxAttempts: limits.maxRetries + 1,
      firstRetryIntervalMs: limits.retryDelayMs,
      backoffCoefficient: 2,
      maxRetryIntervalMs: Math.max(limits.retryDelayMs, limits.maxRetryDelayMs),
    };
  }

  /** Never throws: a delivery that could not be started is a dead letter (row and line), not an error. */
  async handOff(request: NotifyRequest, start: StartDelivery): Promise<NotifyResult> {
    const eventId = notificationEventId(request);
    const result: NotifyResult = { eventId, sinks: 0, started: 0 };
    let event: NotificationEvent;
    try {
      event = this.event(request);
    } catch (error) {
      return { ...result, error: `event not built: ${(error as Error).name}` };
    }
    const repository = request.image.repository === "" ? undefined : request.image.repository;
    const names = this.deps.router.sinksFor(request.type, repository);
    result.sinks = names.length;
    if (names.length === 0) return result;
    try {
      const started = await start(notifyEventInstanceId(eventId), {
        request,
        eventId,
        sinks: names,
        retry: this.retry(),
      });
      result.started = started ? names.length : 0;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const reason = `delivery not started: ${typeof code === "string" ? code : (error as Error).name}`;
      await Promise.all(
        names.map((sink) => this.writeDeadLetter(event, sink, reason, undefined, 0).catch(() => undefined)),
      );
      result.error = "ERR_NOTIFY_HANDOFF";
    }
    return result;
  }

  /**
   * One attempt, answered: a failure a later attempt may get over (a SinkDeliveryError that is retryable, or anything
   * else thrown, such as the delivery ledger out of reach) is `retry` with its status or a code, never a message that
   * could hold a URL.
   */
  async answer(input: NotificationAttemptInput): Promise<NotificationAttemptResult> {
    try {
      return await this.attempt(input);
    } catch (error) {
      if (error instanceof SinkDeliveryError)
        return {
          outcome: "retry",
          error: error.message,
          ...(error.status === undefined ? {} : { status: error.status }),
        };
      const code = (error as { code?: unknown }).code;
      return { outcome: "retry", error: typeof code === "string" ? code : (error as Error).name };
    }
  }

  /** One attempt to send the event to the sink. Throws SinkDeliveryError when a later attempt may succeed. */
  async attempt(input: NotificationAttemptInput): Promise<DeliverNotificationResult> {
    const sink = this.deps.sinks.get(input.sink);
    if (!sink) return { outcome: "refused", error: "sink not configured" };
    let event: NotificationEvent;
    try {
      event = this.event(input.request);
    } catch (error) {
      return { outcome: "refused", error: `event not built: ${(error as Error).name}` };
    }
    const { ledger } = this.deps;
    // A ledger that cannot be reached throws here: the durable retry tries again; nothing is sent without a claim.
    if (!(await ledger.claim(input.eventId, input.sink, this.deps.now()))) return { outcome: "duplicate" };
    try {
      await sink.deliver(event, AbortSignal.timeout(this.deps.limits.budgetMs));
    } catch (error) {
      const failure =
        error instanceof SinkDeliveryError
          ? error
          : new SinkDeliveryError(`sink ${input.sink} failed`, undefined, false);
      await ledger
        .settle(input.eventId, input.sink, "failed", this.deps.now(), {
          error: failure.message,
          ...(failure.status === undefined ? {} : { status: failure.status }),
        })
        .catch(() => undefined);
      if (failure.retryable) throw failure;
      return {
        outcome: "refused",
        error: failure.message,
        ...(failure.status === undefined ? {} : { status: failure.status }),
      };
    }
    await ledger.settle(input.eventId, input.sink, "delivered", this.deps.now()).catch(() => undefined);
    return { outcome: "delivered" };
  }

  /**
   * A delivery that stayed undelivered: settled `dead-letter` in the ledger, a dead-letter row (throws when it
   * cannot be written, for the durable retry), and a warning line. The error is the refusal, or the ledger's last.
   */
  async deadLetter(input: NotificationDeadLetterInput): Promise<void> {
    const { ledger } = this.deps;
    const row = await ledger.row(input.eventId, input.sink).catch(() => undefined);
    await ledger.settle(input.eventId, input.sink, "dead-letter", this.deps.now()).catch(() => undefined);
    const error = input.error ?? row?.error ?? "retries exhausted";
    const status = input.status ?? row?.status;
    let event: NotificationEvent | undefined;
    try {
      event = this.event(input.request);
    } catch {
      event = undefined;
    }
    const subject = event?.subject ?? "";
    await this.writeDeadLetter(
      event ?? { id: input.eventId, type: cloudEventType(input.request.type), subject, data: undefined },
      input.sink,
      error,
      status,
      row?.attempts ?? 0,
    );
  }

  private event(request: NotifyRequest): NotificationEvent {
    return buildNotificationEvent(request, this.deps.source(request.image.loginServer));
  }

  private async writeDeadLetter(
    event: Pick<NotificationEvent, "id" | "type" | "subject" | "data">,
    sink: string,
    error: string,
    status: number | undefined,
    attempts: number,
  ): Promise<void> {
    const at = this.deps.now().toISOString();
    const kind = this.deps.sinks.get(sink)?.kind ?? "unknown";
    this.deps.warn(
      eventLine({
        kind: "activity",
        fn: "notify",
        outcome: "failed",
        stage: "dead-letter",
        image: event.data?.image,
        result: `${event.type} ${event.id} to sink ${sink} after ${attempts} attempt(s)`,
        status,
        error: { name: "DeadLetter", code: "ERR_NOTIFY_DEAD_LETTER", message: error },
      }),
    );
    await this.deps.ledger.recordDeadLetter({
      eventId: event.id,
      type: event.type,
      subject: event.subject ?? "",
      sink,
      kind,
      error,
      ...(status === undefined ? {} : { status }),
      attempts,
      at,
    });
  }
}
