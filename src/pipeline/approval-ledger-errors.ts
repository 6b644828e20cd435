import { GateError } from "../errors/gate-error.js";
import type { CurrentOutcome } from "./approval-ledger.js";

/** Why a person's decision does not count. */
export type NotCountedReason =
  /** Another decision claimed the outcome first (the ledger's outcome row exists and is not this decision). */
  | "outcome-claimed"
  /** The decision's time is at or after the approval deadline the pipeline published. */
  | "after-deadline"
  /** This approver's earlier decision on this approval already counted or lost. */
  | "approver-already-decided"
  /** The image is decided, or its pipeline is not waiting for a person (scanning, releasing, ended). */
  | "not-awaiting-approval"
  /** The decision names a verdict (verdictId) other than the one the pipeline waits on: a re-scan changed it. */
  | "verdict-changed";

/**
 * A person's decision that will not count: the approvals API answers 409 with the current outcome, and the decision is
 * audited as not counted. Nothing about it reaches the pipeline.
 */
export class DecisionNotCountedError extends GateError {
  static override readonly code = "ERR_DECISION_NOT_COUNTED";
  override readonly code = "ERR_DECISION_NOT_COUNTED";

  constructor(
    message: string,
    readonly reason: NotCountedReason,
    readonly outcome: CurrentOutcome,
    /** The decision's ledger time: what was judged against the deadline. */
    readonly decidedAt?: string,
  ) {
    super(message);
  }
}
