import { GateError } from "../src/errors/gate-error.js";
import type { ScanRequestMessage } from "../src/scanning/queue/message.js";

/** A setting of the worker is missing or malformed; the worker refuses to start rather than guess. */
export class WorkerConfigError extends GateError {
  static override readonly code = "ERR_WORKER_CONFIG";
  override readonly code = "ERR_WORKER_CONFIG";
}

/** A queue message that is not a scan request the worker can act on (undecodable, wrong shape, unsafe URLs). */
export class ScanRequestInvalid extends GateError {
  static override readonly code = "ERR_SCAN_REQUEST_INVALID";
  override readonly code = "ERR_SCAN_REQUEST_INVALID";
  constructor(
    message: string,
    /**
     * malformed: not a scan request at all; unsafe-callback: its callback is not one a token may be sent to;
     * unsafe-request: a well-formed request with a safe callback that asks for something the worker will not do.
     */
    readonly kind: "malformed" | "unsafe-callback" | "unsafe-request",
    /** The request, for unsafe-request only: its callback can still be told about the failure. */
    readonly request?: ScanRequestMessage,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }
}

/** The scan queue or the poison queue refused an operation the worker cannot do without. */
export class QueueOperationFailed extends GateError {
  static override readonly code = "ERR_SCAN_QUEUE";
  override readonly code = "ERR_SCAN_QUEUE";
}
