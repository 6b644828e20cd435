export { acceptCallbackReport, type CallbackResult } from "./callback.js";
export { callbackTokenMatches, issueCallbackToken, type CallbackToken } from "./callback-token.js";
export {
  QueueScanDispatcher,
  type DispatchedScan,
  type QueueDispatcherOptions,
  type QueueSender,
} from "./dispatcher.js";
export {
  decodeQueueMessage,
  encodeQueueMessage,
  MAX_QUEUE_MESSAGE_BYTES,
  SCAN_REQUEST_TYPE,
  scanRequestMessageSchema,
  type ScanRequestMessage,
} from "./message.js";
