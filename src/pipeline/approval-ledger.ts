import { isRestError } from "@azure/core-rest-pipeline";
import { odata, type TableClient } from "@azure/data-tables";
import type { ApprovalRound, ApprovalSettlement, LedgerDecision } from "./contract/index.js";
import type { NotCountedReason } from "./approval-ledger-errors.js";
import { createOnce } from "../storage/create-once.js";

/**
 * The approval ledger: where a person's decision is recorded before anything else happens to it, and where exactly one
 * decision (or the deadline) claims the outcome of an approval round. The pipeline counts only what this ledger backs.
 *
 * Layout, in Table Storage: one partition per approval round (`<instance id>.<deadline in epoch ms>`: a pipeline that
 * is restarted waits in a new round, so an outcome of an earlier execution never decides a later one), holding
 * - one row per approver (`approver.<object id>`): that person's decision, and whether it counted;
 * - one outcome row (`outcome`): the claim. A reject claims it at once; an approval claims it when it is the k-th
 *   distinct approver's for the same verdict (k: the verdict's requiredApprovals, the policy rule's `approvals`); the
 *   deadline claims it when the pipeline's timer fires first. Whoever inserts the row first decides, and every later
 *   claim is refused.
 *
 * The claims rely on Table Storage's conditional writes (REST API, Microsoft Learn):
 * - Insert Entity fails with 409 Conflict (EntityAlreadyExists) when the row exists, however close together two
 *   inserts arrive — https://learn.microsoft.com/rest/api/storageservices/insert-entity ,
 *   https://learn.microsoft.com/rest/api/storageservices/table-service-error-codes ;
 * - Update Entity with `If-Match: <ETag>` fails with 412 Precondition Failed (UpdateConditionNotSatisfied) when the
 *   row changed since that ETag was read — https://learn.microsoft.com/rest/api/storageservices/update-entity2 .
 * @azure/data-tables exposes them as `createEntity` and `updateEntity(entity, mode, { etag })` (13.x: `etag` defaults
 * to "*", an unconditional update, so the ETag is always passed here), and failures as a RestError with `statusCode`
 * (https://learn.microsoft.com/javascript/api/@azure/data-tables/tableclient).
 */

/** What the approvals API answers a decision that does not count: where the approval stands now. */
export type CurrentOutcome =
  /** People decided (the ledger's outcome row). */
  | { state: "decided"; approve: boolean; by: string[]; decidedAt: string }
  /** The deadline claimed the outcome: nobody decided in time. */
  | { state: "deadline-passed"; deadline: string }
  /** Nothing claimed yet (with N-of-M: approvals so far). */
  | { state: "undecided"; approvals: number; required: number }
  /** The pipeline is not waiting for a person: what its status says. */
  | { state: "not-awaiting-approval"; runtimeStatus: string; stage?: string; result?: string; decidedBy?: string };

export type RecordResult =
  /** This decision claimed the outcome: the pipeline will apply it. */
  | { counted: true; claimed: true; settlement: Extract<ApprovalSettlement, { kind: "decision" }> }
  /** An approval recorded towards k distinct approvals (N-of-M); the outcome is not claimed yet. */
  | { counted: true; claimed: false; approvals: number; required: number }
  | { counted: false; reason: NotCountedReason; outcome: CurrentOutcome };

/** What names an approval round in the ledger. */
export type RoundKey = Pick<ApprovalRound, "instanceId" | "deadline">;

/** The table operations the ledger uses: @azure/data-tables' TableClient. */
export type LedgerTable = Pick<
  TableClient,
  "createTable" | "createEntity" | "getEntity" | "updateEntity" | "listEntities"
>;

const OUTCOME_ROW = "outcome";
const APPROVER_ROW_PREFIX = "approver.";

type ApproverState = "recorded" | "counted" | "not-counted";

interface ApproverEntity {
  partitionKey: string;
  rowKey: string;
  decision: string;
  approve: boolean;
  decidedAt: string;
  state: ApproverState;
  /** The verdict the decision was given for (absent in rows from before N-of-M approvals). */
  verdictId?: string;
}

interface OutcomeEntity {
  partitionKey: string;
  rowKey: string;
  kind: ApprovalSettlement["kind"];
  /** Decision claims: the decisions that made the outcome (JSON of LedgerDecision[]). */
  decisions?: string;
  approve?: boolean;
  decidedAt?: string;
  deadline: string;
  claimedAt: string;
}

/** The partition of an approval round. Table keys may not hold '/', '\\', '#', '?': instance ids and digits never do. */
export function roundPartition(round: RoundKey): string {
  const deadline = Date.parse(round.deadline);
  if (!Number.isFinite(deadline)) throw new TypeError(`approval round of ${round.instanceId}: bad deadline`);
  return `${round.instanceId}.${deadline}`;
}

/** The clock rule the API and the orchestrator share: a decision counts only if its ledger time is before the deadline. */
export function isBeforeDeadline(decidedAt: string, deadline: string): boolean {
  const at = Date.parse(decidedAt);
  const end = Date.parse(deadline);
  return Number.isFinite(at) && Number.isFinite(end) && at < end;
}

/** `Name (object id)`: how a person is named in outcomes and the audit trail. */
export function personName(decision: Pick<LedgerDecision, "approver">): string {
  return `${decision.approver.name} (${decision.approver.objectId})`;
}

function statusOf(error: unknown): number | undefined {
  return isRestError(error) ? error.statusCode : undefined;
}

export class ApprovalLedger {
  private readonly ensureTable: () => Promise<void>;

  constructor(private readonly table: LedgerTable) {
    this.ensureTable = createOnce(() => table.createTable(), { alreadyThere: (error) => statusOf(error) === 409 });
  }

  /**
   * Records a person's decision in the round and, when it completes the outcome (a reject, or the k-th distinct
   * approval of the same verdict), claims the outcome for it. The caller has checked the deadline with the same clock
   * that stamped `decision.decidedAt`.
   *
   * N-of-M (k > 1): an approval is first marked counted on its own row (If-Match, so of one person's concurrent
   * requests only one is counted), then the round's counted approvals of this verdict are read; the k-th claims the
   * outcome with the first k. Two approvals made at once both read after both marks, so at least one of them sees k.
   * `verdictId` binds the approval to the verdict it was given for: a row of another verdict neither counts nor stops
   * the person approving this one.
   */
  async record(
    round: RoundKey,
    given: LedgerDecision,
    requiredApprovals = 1,
    verdictId?: string,
  ): Promise<RecordResult> {
    await this.ensureTable();
    const partitionKey = roundPartition(round);
    const decision: LedgerDecision = verdictId === undefined ? given : { ...given, verdictId };
    const etag = await this.recordApprover(partitionKey, decision);
    if (etag === undefined)
      return {
        counted: false,
        reason: "approver-already-decided",
        outcome: await this.current(round, requiredApprovals, verdictId),
      };

    let decisions: LedgerDecision[] = [decision];
    let markEtag = etag;
    if (decision.approve === true && requiredApprovals > 1) {
      const marked = await this.markApprover(partitionKey, decision, etag, "counted");
      // A newer request of the same person replaced this one's row before it was counted: that one counts, not this.
      if (marked === undefined)
        return {
          counted: false,
          reason: "approver-already-decided",
          outcome: await this.current(round, requiredApprovals, verdictId),
        };
      markEtag = marked;
      const settled = await this.settlement(round);
      if (settled) {
        // A reject (or the deadline) claimed the outcome before this approval was counted.
        if (settled.kind === "decision" && settled.decisions.some((d) => d.decisionId === decision.decisionId))
          return { counted: true, claimed: true, settlement: settled };
        await this.markApprover(partitionKey, decision, markEtag, "not-counted");
        return { counted: false, reason: "outcome-claimed", outcome: currentOf(settled) };
      }
      const approvals = await this.approvals(partitionKey, verdictId);
      if (!approvals.some((d) => d.decisionId === decision.decisionId)) approvals.push(decision);
      if (approvals.length < requiredApprovals)
        return { counted: true, claimed: false, approvals: approvals.length, required: requiredApprovals };
      decisions = approvals.slice(0, requiredApprovals);
      if (!decisions.some((d) => d.decisionId === decision.decisionId)) decisions[decisions.length - 1] = decision;
    }
    const settlement: Extract<ApprovalSettlement, { kind: "decision" }> = {
      kind: "decision",
      approve: decision.approve === true,
      decisions,
      decidedAt: decision.decidedAt,
    };
    const claimed = await this.claim(partitionKey, {
      partitionKey,
      rowKey: OUTCOME_ROW,
      kind: "decision",
      decisions: JSON.stringify(decisions),
      approve: settlement.approve,
      decidedAt: decision.decidedAt,
      deadline: round.deadline,
      claimedAt: decision.decidedAt,
    });
    const mine = claimed.kind === "decision" && claimed.decisions.some((d) => d.decisionId === decision.decisionId);
    await this.markApprover(partitionKey, decision, markEtag, mine ? "counted" : "not-counted");
    if (mine) return { counted: true, claimed: true, settlement: claimed };
    return { counted: false, reason: "outcome-claimed", outcome: currentOf(claimed) };
  }

  /**
   * The deadline's claim, made when the pipeline's timer fires first: the outcome row for the deadline, unless a
   * decision claimed it before — then that decision (the API answered 202 for it, so it must count). A repeat of the
   * same claim finds its own row.
   */
  async claimDeadline(round: RoundKey, claimedAt: Date): Promise<ApprovalSettlement> {
    await this.ensureTable();
    const partitionKey = roundPartition(round);
    return this.claim(partitionKey, {
      partitionKey,
      rowKey: OUTCOME_ROW,
      kind: "deadline",
      deadline: round.deadline,
      claimedAt: claimedAt.toISOString(),
    });
  }

  /** The round's outcome claim, or undefined while nothing claimed it. */
  async settlement(round: RoundKey): Promise<ApprovalSettlement | undefined> {
    await this.ensureTable();
    try {
      return settlementOf(await this.table.getEntity<OutcomeEntity>(roundPartition(round), OUTCOME_ROW));
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  /** Where the round stands, for the answer to a decision that did not count. */
  async current(round: RoundKey, requiredApprovals = 1, verdictId?: string): Promise<CurrentOutcome> {
    const settled = await this.settlement(round);
    if (settled) return currentOf(settled);
    const approvals = await this.approvals(roundPartition(round), verdictId);
    return { state: "undecided", approvals: approvals.length, required: requiredApprovals };
  }

  /**
   * The approvals counted in the round for this verdict (N-of-M), oldest first: what the status shows as given, and
   * what confirms a pipeline's event for an approval that did not complete the round.
   */
  async countedApprovals(round: RoundKey, verdictId?: string): Promise<LedgerDecision[]> {
    await this.ensureTable();
    return this.approvals(roundPartition(round), verdictId);
  }

  /**
   * The approver's row, inserted if absent; its ETag, or undefined when this approver's decision in the round is
   * already settled (counted or lost). A row still `recorded` belongs to a request that never finished (or is still
   * running): the newer decision replaces it, If-Match its ETag, and both race for the outcome like anyone else.
   */
  private async recordApprover(partitionKey: string, decision: LedgerDecision): Promise<string | undefined> {
    const entity: ApproverEntity = {
      partitionKey,
      rowKey: `${APPROVER_ROW_PREFIX}${decision.approver.objectId}`,
      decision: JSON.stringify(decision),
      approve: decision.approve === true,
      decidedAt: decision.decidedAt,
      state: "recorded",
      ...(decision.verdictId === undefined ? {} : { verdictId: decision.verdictId }),
    };
    try {
      return (await this.table.createEntity(entity)).etag ?? "*";
    } catch (error) {
      if (statusOf(error) !== 409) throw error;
    }
    const existing = await this.table.getEntity<ApproverEntity>(partitionKey, entity.rowKey);
    // Settled for this verdict: counted or lost. An approval of another verdict (a re-scan changed it) no longer
    // counts, so the person may decide again on this one.
    const otherVerdict = decision.verdictId !== undefined && existing.verdictId !== decision.verdictId;
    if (existing.state !== "recorded" && !otherVerdict) return undefined;
    try {
      return (await this.table.updateEntity(entity, "Replace", { etag: existing.etag })).etag ?? "*";
    } catch (error) {
      // 412: another request of the same person replaced it first; 404: cannot happen (rows are never deleted).
      if (statusOf(error) === 412) return undefined;
      throw error;
    }
  }

  /**
   * Says on the approver's row whether the decision counted, If-Match the row's ETag; returns the new ETag, or
   * undefined when a newer decision of the same person replaced the row meanwhile (412: that one marks the row
   * itself). For one approval (k = 1) the outcome row is the truth and this is informational; for N-of-M the
   * `counted` mark is what later approvals count.
   */
  private async markApprover(
    partitionKey: string,
    decision: LedgerDecision,
    etag: string,
    state: ApproverState,
  ): Promise<string | undefined> {
    try {
      const result = await this.table.updateEntity(
        { partitionKey, rowKey: `${APPROVER_ROW_PREFIX}${decision.approver.objectId}`, state },
        "Merge",
        { etag },
      );
      return result.etag ?? "*";
    } catch (error) {
      if (statusOf(error) !== 412) throw error;
      return undefined;
    }
  }

  /** Inserts the outcome row if absent; returns the claim that holds (this one, or the one that was first). */
  private async claim(partitionKey: string, entity: OutcomeEntity): Promise<ApprovalSettlement> {
    try {
      await this.table.createEntity(entity);
      return settlementOf(entity);
    } catch (error) {
      if (statusOf(error) !== 409) throw error;
    }
    return settlementOf(await this.table.getEntity<OutcomeEntity>(partitionKey, OUTCOME_ROW));
  }

  /**
   * The approvals counted in a round, oldest first: rows marked `counted`, of this verdict when one is given. A row
   * still `recorded` belongs to a request in flight (it counts itself once marked, and reads again) or one that died
   * before it was answered (never counted: nobody was told it did).
   */
  private async approvals(partitionKey: string, verdictId?: string): Promise<LedgerDecision[]> {
    // OData $filter on properties (https://learn.microsoft.com/rest/api/storageservices/querying-tables-and-entities);
    // @azure/data-tables' `odata` tag quotes and escapes the interpolated key. Rows are checked again below.
    const filter = odata`PartitionKey eq ${partitionKey} and approve eq true and state eq 'counted'`;
    const found: LedgerDecision[] = [];
    for await (const row of this.table.listEntities<ApproverEntity>({ queryOptions: { filter } })) {
      if (!row.rowKey?.startsWith(APPROVER_ROW_PREFIX) || row.state !== "counted") continue;
      if (verdictId !== undefined && row.verdictId !== verdictId) continue;
      found.push(JSON.parse(row.decision) as LedgerDecision);
    }
    return found.sort((a, b) => a.decidedAt.localeCompare(b.decidedAt));
  }
}

function settlementOf(entity: OutcomeEntity): ApprovalSettlement {
  if (entity.kind === "decision") {
    return {
      kind: "decision",
      approve: entity.approve === true,
      decisions: JSON.parse(entity.decisions ?? "[]") as LedgerDecision[],
      decidedAt: entity.decidedAt ?? entity.claimedAt,
    };
  }
  return { kind: "deadline", deadline: entity.deadline, claimedAt: entity.claimedAt };
}

function currentOf(settlement: ApprovalSettlement): CurrentOutcome {
  if (settlement.kind === "deadline") return { state: "deadline-passed", deadline: settlement.deadline };
  return {
    state: "decided",
    approve: settlement.approve,
    by: settlement.decisions.map(personName),
    decidedAt: settlement.decidedAt,
  };
}
