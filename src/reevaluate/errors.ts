import { GateError } from "../errors/gate-error.js";

export type ReevaluationErrorCode = "reevaluation-store-failed" | "reevaluation-input-invalid";

/** A re-evaluation that cannot proceed; the image is left as it was (its records and deadlines stay on file). */
export class ReevaluationError extends GateError {
  static override readonly code: string = "ERR_REEVALUATION";
  override readonly code: ReevaluationErrorCode;

  constructor(message: string, code: ReevaluationErrorCode, options: { cause?: unknown; upstreamCode?: string } = {}) {
    super(message, options);
    this.code = code;
  }
}
