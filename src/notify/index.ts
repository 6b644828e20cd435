/**
 * Notifications (docs/notifications.md): one CloudEvents stream from push to decision, routed by a subscription
 * document to Event Grid, signed webhooks, Teams and Slack. Never imports @azure/functions or durable-functions.
 */
export { buildNotifier, deliveryLedger, type NotifierParts } from "./build.js";
export { DeliveryLedger, type DeadLetter, type DeliveryRow } from "./delivery-ledger.js";
export {
  NOTIFICATION_TYPE_PREFIX,
  buildNotificationEvent,
  cloudEventType,
  eventSource,
  notificationEventId,
  shortType,
  type NotificationData,
  type NotificationEvent,
} from "./event.js";
export { NotifySettingsError, SinkDeliveryError, SubscriptionDocumentError } from "./errors.js";
export { Notifier, type StartDelivery } from "./notifier.js";
export { notifySettings, type NotifySettings } from "./settings.js";
export { parseSubscriptions, SUBSCRIPTION_SCHEMA, type Router, type SubscriptionDocument } from "./subscriptions.js";
export { recentDeadLetters, sweepCompletedRequest } from "./sweep.js";
export { afterSweep } from "./sweep-emit.js";
export { adaptiveCard, teamsMessage } from "./sinks/teams.js";
export { slackMessage } from "./sinks/slack.js";
