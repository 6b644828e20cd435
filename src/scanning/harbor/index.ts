export {
  HarborScannerClient,
  chooseReportType,
  DEFAULT_SCANNER_TIMEOUT_MS,
  type HarborClientOptions,
  type HarborScanRequest,
  type ReportPoll,
} from "./client.js";
export { ScannerError, type ScannerErrorCode } from "./errors.js";
export { HARBOR_MEDIA_TYPES, READABLE_REPORT_TYPES, SCANNABLE_MANIFEST_TYPES } from "./media-types.js";
export { HarborScanner } from "./scanner.js";
export type { ScannerMetadata } from "./schemas.js";
