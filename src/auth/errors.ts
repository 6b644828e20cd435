import { GateError } from "../errors/gate-error.js";

/** Why a caller was refused, stable for tests and logs (the message says it for people). */
export type ApproverAuthReason =
  | "approvals-closed"
  | "no-token"
  | "malformed"
  | "metadata"
  | "signature"
  | "expired"
  | "not-yet-valid"
  | "wrong-issuer"
  | "wrong-tenant"
  | "wrong-audience"
  | "mixed-shape"
  | "id-token"
  | "missing-claim"
  | "missing-role";

/** The stable codes: one per answer, so the HTTP mapping (src/http/errors.ts) goes by code alone. */
export const APPROVER_UNAUTHENTICATED = "ERR_APPROVER_UNAUTHENTICATED";
export const APPROVER_FORBIDDEN = "ERR_APPROVER_FORBIDDEN";

/**
 * A caller of the approvals API who is not authenticated (401, code ERR_APPROVER_UNAUTHENTICATED) or not authorised
 * (403, ERR_APPROVER_FORBIDDEN). `upstreamCode` carries the JWT library's error code (e.g. jose's ERR_JWT_EXPIRED)
 * when there is one.
 */
export class ApproverAuthError extends GateError {
  static override readonly code: string = "ERR_APPROVER_AUTH";
  override readonly code: string;
  readonly reason: ApproverAuthReason;

  constructor(
    readonly status: 401 | 403,
    message: string,
    options: { reason?: ApproverAuthReason; cause?: unknown; upstreamCode?: string } = {},
  ) {
    super(message, { cause: options.cause, upstreamCode: options.upstreamCode });
    this.code = status === 403 ? APPROVER_FORBIDDEN : APPROVER_UNAUTHENTICATED;
    this.reason = options.reason ?? (status === 403 ? "missing-role" : "malformed");
  }
}
