/**
 * The names the Functions host knows the pipeline by. Triggers register under these names and the orchestrations call
 * them; nothing else spells them. Renaming one is a breaking change for instances already running (their durable
 * history refers to the old name), so these change only with a version of their own.
 */
export const ORCHESTRATION = {
  /** One per image digest: inspect → scan → verdict → approval → write to the registry → audit. */
  quarantinePipeline: "quarantinePipeline",
  /** Releases an image whose verdict failed, on the word of a holder of Quarantine.Override. */
  breakGlassRelease: "breakGlassRelease",
  /**
   * One per notification event (instance id notifyEventInstanceId: the event id): sends to every sink at once, with
   * durable retries and backoff per sink, then a dead letter per sink that stayed down. Started by the notify activity;
   * nothing waits for it.
   */
  notifyEvent: "notifyEvent",
  /**
   * Before notifyEvent: one per notification event and sink (`<event id>.<sink>`). Nothing starts it any more; it
   * stays registered so that instances started before replay to their end (name-based versioning, Microsoft Learn
   * "Zero-downtime deployment for Durable Functions": the new logic is a new orchestrator, the old one stays).
   */
  notifyDelivery: "notifyDelivery",
} as const;

export const ACTIVITY = {
  /** Reads the manifest: its quarantine state, and for an index the platform manifests to scan. */
  inspectImage: "inspectImage",
  /** Starts the scan of one manifest (Harbor adapter, or the external scanners' queue). */
  submitScan: "submitScan",
  /** Asks a Harbor adapter for the report once, and judges it when it is there. */
  pollScan: "pollScan",
  /** Writes Passed or Failed with quarantineDetails to the registry and reads it back. */
  writeRegistryDecision: "writeRegistryDecision",
  /** Appends the pipeline's decision to the audit trail. */
  recordDecision: "recordDecision",
  /** Checks an ApprovalDecision event against the approval ledger; audits an event the ledger does not back. */
  confirmApprovalDecision: "confirmApprovalDecision",
  /** The approval deadline fired: claims the outcome for it, unless a decision claimed it before the deadline. */
  settleApprovalDeadline: "settleApprovalDeadline",
  /**
   * Routes one occurrence to its sinks and hands the event to a notifyEvent orchestration of its own; sends nothing
   * itself, so the orchestration that calls it never waits on a sink (never throws, never decides).
   */
  notify: "notify",
  /** One attempt of one event to one sink for notifyEvent: a failure is answered (`retry`), never thrown. */
  attemptNotification: "attemptNotification",
  /** The legacy notifyDelivery's attempt: a retryable failure is thrown, for its durable retry policy. */
  deliverNotification: "deliverNotification",
  /** A delivery that stayed undelivered: settles it, writes the dead-letter row and the dead-letter line. */
  recordNotificationDeadLetter: "recordNotificationDeadLetter",
  /** Pushes the scan report (SARIF) and the signed decision (DSSE, in-toto VSA) as OCI referrers of the image. */
  attestDecision: "attestDecision",
} as const;

/**
 * Why each activity may run twice for one call: Durable delivers activities at least once (a host that dies after the
 * work but before recording its completion runs it again — "The Durable Task runtime guarantees that each called
 * activity function will be executed at least once during an orchestration's execution. Because activities only
 * guarantee at least once execution, it's recommended that activity logic be implemented as idempotent", Microsoft
 * Learn, durabletask TaskActivity). One line per activity says what a repeat does; a new activity needs its line.
 */
export const ACTIVITY_IDEMPOTENCY: Readonly<Record<ActivityName, string>> = {
  inspectImage: "Read only: a repeat reads the manifest again (for an artifact, its referrers and its subject too).",
  submitScan:
    "A repeat submits again under the same scan id; the orchestration uses the answer it records (the other request is orphaned: a Harbor scan nobody polls, or a queue message whose callback token hash is not published, so its report is refused).",
  pollScan: "Read only: a repeat asks for the report again and judges it the same way (the policy is a pure function).",
  writeRegistryDecision:
    "Reads the manifest first and sends the PATCH only when quarantineState or quarantineDetails differ (both built from the input alone); the read or the PATCH's read-back proves the outcome.",
  recordDecision:
    "The audit row's key is derived from the decision (instance and decision time from history, or the break-glass request), written insert-if-absent: a repeat finds its row (409 EntityAlreadyExists) and is done.",
  confirmApprovalDecision:
    "Reads the approval ledger's claim; the forged-event audit row is keyed by the round and the event, written insert-if-absent.",
  settleApprovalDeadline:
    "Insert-if-absent of the round's outcome row; a repeat gets 409 and reads the claim that holds.",
  notify:
    "The event id is derived from the request (instance, type, round) and the event's delivery orchestration is named after it (notifyEventInstanceId), started once: a repeat finds the instance there and starts nothing.",
  attemptNotification:
    "The same claim as deliverNotification: (event id, sink) in the delivery ledger first, insert-if-absent (a failed attempt's claim taken over If-Match), so a repeat after a delivery sends nothing; receivers deduplicate on the event id (webhook-id) too.",
  deliverNotification:
    "Claims (event id, sink) in the delivery ledger first (insert-if-absent; a failed attempt's claim is taken over If-Match): a repeat after a delivery finds it delivered and sends nothing; receivers deduplicate on the event id (webhook-id) too.",
  recordNotificationDeadLetter:
    "The dead-letter row's key is (day, event id, sink), written insert-if-absent (409 is done), and settling the ledger row is a Merge of the same state: a repeat changes nothing (it may write the warning line again).",
  attestDecision:
    "Lists the image's referrers first: a signed decision annotated with this decision's id is not pushed again (the SARIF referrer is deterministic, so a repeat pushes the same digest).",
};

/** External events raised on a waiting pipeline. */
export const EVENT = {
  /** A person's decision, from the approvals function. */
  approvalDecision: "ApprovalDecision",
  /** An external scanner's judged report, from the scanReports callback. */
  scanReport: "ScanReport",
} as const;

export type OrchestrationName = (typeof ORCHESTRATION)[keyof typeof ORCHESTRATION];
export type ActivityName = (typeof ACTIVITY)[keyof typeof ACTIVITY];
export type EventName = (typeof EVENT)[keyof typeof EVENT];
