import { GateError } from "../errors/gate-error.js";

export type PolicyErrorCode = "policy-not-json" | "policy-invalid" | "policy-clock-invalid";

/**
 * A policy document that cannot be used (or a judgement asked for without a valid clock); `problems` lists every
 * problem, each with its JSON pointer. A policy that fails must stop the pipeline, never fall back to "allow".
 */
export class PolicyError extends GateError {
  static override readonly code: string = "ERR_POLICY";
  override readonly code: PolicyErrorCode;
  readonly problems: readonly string[];

  constructor(message: string, problems: readonly string[] = [], code: PolicyErrorCode = "policy-invalid") {
    super(problems.length > 0 ? `${message}:\n- ${problems.join("\n- ")}` : message);
    this.code = code;
    this.problems = problems;
  }
}
