import { GateError } from "../../errors/gate-error.js";

/**
 * Why a scanner report could not be turned into findings. The code is stable (policy reasons and audit records carry
 * it); the message is for people. A report that fails here must never be read as "no findings".
 */
export type ReportErrorCode =
  | "report-too-large"
  | "report-empty"
  | "report-not-json"
  | "report-format-unknown"
  | "report-version-unsupported"
  | "report-invalid";

/**
 * The only error a normaliser lets out. `code` (on the instance) is one of ReportErrorCode and never changes meaning;
 * the class-level code names the family. Messages never embed an attacker's structure unbounded (see preview.ts).
 */
export class ReportError extends GateError {
  static override readonly code: string = "ERR_REPORT";
  override readonly code: ReportErrorCode;
  /** Precise problems, e.g. "/Results/0/Vulnerabilities/3: must have required property 'PkgName'". */
  readonly problems: readonly string[];

  constructor(code: ReportErrorCode, message: string, problems: readonly string[] = []) {
    super(problems.length > 0 ? `${message}: ${problems.join("; ")}` : message);
    this.code = code;
    this.problems = problems;
  }
}

export function isReportError(value: unknown): value is ReportError {
  return value instanceof ReportError;
}

/**
 * A ReportError as plain data. Outcomes cross durable activity boundaries as JSON, where an Error loses its message
 * (not an enumerable property); this keeps code, message and problems.
 */
export interface ReportFailure {
  code: ReportErrorCode;
  message: string;
  problems: string[];
}

export function toReportFailure(error: ReportError): ReportFailure {
  return { code: error.code, message: error.message, problems: [...error.problems] };
}
