import { GateError } from "../errors/gate-error.js";

/** One problem in a subscription document: where (a JSON pointer) and what. */
export interface SubscriptionProblem {
  pointer: string;
  message: string;
}

/** The subscription document (NOTIFY_SUBSCRIPTIONS) cannot be used; `problems` says where and why. */
export class SubscriptionDocumentError extends GateError {
  static override readonly code = "ERR_NOTIFY_SUBSCRIPTIONS";
  override readonly code = "ERR_NOTIFY_SUBSCRIPTIONS";

  constructor(readonly problems: readonly SubscriptionProblem[]) {
    super(
      `invalid notification subscriptions:\n- ${problems.map((p) => `${p.pointer || "/"}: ${p.message}`).join("\n- ")}`,
    );
  }
}

/** A setting the notifications need is missing or wrong (names the setting, never its value). */
export class NotifySettingsError extends GateError {
  static override readonly code = "ERR_NOTIFY_SETTINGS";
  override readonly code = "ERR_NOTIFY_SETTINGS";
}

/**
 * A sink did not take an event. The message names the sink and the HTTP status or network error code, never the
 * sink's URL (it is a secret: Teams, Slack and webhook URLs carry their own credentials). `retryable`: the sink may
 * take it later (no answer, 408, 429, 5xx).
 */
export class SinkDeliveryError extends GateError {
  static override readonly code = "ERR_NOTIFY_SINK";
  override readonly code = "ERR_NOTIFY_SINK";

  constructor(
    message: string,
    readonly status: number | undefined,
    readonly retryable: boolean,
    options: { upstreamCode?: string } = {},
  ) {
    super(message, options);
  }
}
