import { GateError } from "../../errors/gate-error.js";

/**
 * Why talking to a Harbor scanner adapter went wrong. `transient` says whether trying the same call again later may
 * succeed (the orchestrator's activity retry), as opposed to a refusal that will not change.
 */
export type ScannerErrorCode =
  "scanner-unreachable" | "scanner-rejected" | "scanner-incapable" | "scanner-protocol" | "scan-unknown";

const TRANSIENT: ReadonlySet<ScannerErrorCode> = new Set(["scanner-unreachable"]);

export class ScannerError extends GateError {
  static override readonly code: string = "ERR_SCANNER";
  override readonly code: ScannerErrorCode;
  readonly status: number | undefined;
  readonly transient: boolean;

  constructor(code: ScannerErrorCode, message: string, status?: number) {
    super(message);
    this.code = code;
    this.status = status;
    this.transient =
      TRANSIENT.has(code) ||
      (status !== undefined && (status === 429 || status === 502 || status === 503 || status === 504));
  }
}
