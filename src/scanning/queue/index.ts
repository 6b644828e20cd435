export { acceptCallbackReport, type CallbackResult } from "./callback.js";
export { describeScanFailure } from "./describe-failure.js";
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
export {
  isScanFailureMediaType,
  MAX_SCAN_FAILURE_BYTES,
  RETRYABLE_SCAN_FAILURE_CODES,
  SCAN_FAILURE_CODES,
  SCAN_FAILURE_MEDIA_TYPE,
  scanFailureReportSchema,
  type ScanFailureCode,
  type ScanFailureReport,
} from "./scan-failure.js";
