import type { NotifyRequest, NotifyResult } from "../pipeline/contract/notify.js";
import { eventLine } from "../observability/event-line.js";
import type { DeliveryLedger } from "./delivery-ledger.js";
import { buildNotificationEvent, notificationEventId, type NotificationEvent } from "./event.js";
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
 * Builds each occurrence's CloudEvent and delivers it to the sinks its subscriptions route it to, all sinks at once.
 * Each (event id, sink) is claimed in the delivery ledger first, so repeats deliver nothing twice. A delivery that
 * fails after its bounded retries, or outlives its budget, is a dead letter: a row in the dead-letter table and a
 * warning line. Never throws: what happens to a notification never reaches a decision.
 */
export class Notifier {
  constructor(private readonly deps: NotifierDeps) {}

  async notify(request: NotifyRequest): Promise<NotifyResult> {
    const result: NotifyResult = { eventId: notificationEventId(request), delivered: 0, duplicates: 0, deadLetters: 0 };
    let event: NotificationEvent;
    try {
      event = buildNotificationEvent(request, this.deps.source(request.image.loginServer));
    } catch (error) {
      return { ...result, error: `event not built: ${(error as Error).name}` };
    }
    const repository = request.image.repository === "" ? undefined : request.image.repository;
    const names = this.deps.router.sinksFor(request.type, repository);
    const outcomes = await Promise.all(names.map((name) => this.deliverTo(name, event)));
    for (const outcome of outcomes) result[outcome] += 1;
    return result;
  }

  private async deliverTo(name: string, event: NotificationEvent): Promise<"delivered" | "duplicates" | "deadLetters"> {
    const sink = this.deps.sinks.get(name);
    const { ledger } = this.deps;
    if (!sink) return this.deadLetter(name, "unknown", event, "sink not configured", undefined, false);
    let claimed: boolean;
    try {
      claimed = await ledger.claim(event.id, name, this.deps.now());
    } catch {
      // Without the ledger a delivery could not be deduplicated: nothing is sent, and the line says why.
      return this.deadLetter(name, sink.kind, event, "delivery ledger unavailable", undefined, false);
    }
    if (!claimed) return "duplicates";
    try {
      await sink.deliver(event, AbortSignal.timeout(this.deps.limits.budgetMs));
    } catch (error) {
      const failure =
        error instanceof SinkDeliveryError ? error : new SinkDeliveryError(`sink ${name} failed`, undefined, false);
      await ledger.settle(event.id, name, "dead-letter", this.deps.now()).catch(() => undefined);
      return this.deadLetter(name, sink.kind, event, failure.message, failure.status, true);
    }
    await ledger.settle(event.id, name, "delivered", this.deps.now()).catch(() => undefined);
    return "delivered";
  }

  private async deadLetter(
    sink: string,
    kind: string,
    event: NotificationEvent,
    error: string,
    status: number | undefined,
    record: boolean,
  ): Promise<"deadLetters"> {
    const at = this.deps.now().toISOString();
    if (record)
      await this.deps.ledger
        .recordDeadLetter({
          eventId: event.id,
          type: event.type,
          subject: event.subject ?? "",
          sink,
          kind,
          error,
          ...(status === undefined ? {} : { status }),
          at,
        })
        .catch(() => undefined);
    this.deps.warn(
      eventLine({
        kind: "activity",
        fn: "notify",
        outcome: "failed",
        stage: "dead-letter",
        image: event.data?.image,
        result: `${event.type} ${event.id} to sink ${sink}`,
        status,
        error: { name: "DeadLetter", code: "ERR_NOTIFY_DEAD_LETTER", message: error },
      }),
    );
    return "deadLetters";
  }
}
