import type { RetryOptionsPayload } from "./actions.js";
import { EventType, type FailureDetailsPayload, type HistoryEvent, type ParentInstance } from "./history.js";

/** Host bookkeeping stored next to each history row (never shown to the replay engine). */
export interface RowMeta {
  /** Scheduling rows: created for the orchestrator's n-th action, or by the host's retry handling. */
  origin?: "action" | "retry";
  actionIndex?: number;
  /** Rows of a retry chain: the id of the chain's first attempt, and the attempt number (for delay timers: the failed one). */
  retryOf?: number;
  attempt?: number;
  retryOptions?: RetryOptionsPayload;
  firstAttemptAt?: string;
  /** The retry timeout ran out: the host runs no further attempt of this chain. */
  stopRetry?: boolean;
  /** A sub-orchestration retry chain whose instance id the orchestrator chose (every attempt reuses it). */
  fixedInstanceId?: string;
  /** Inbox message applied by this row (EventRaised, ExecutionTerminated). */
  messageId?: string;
  /** OrchestratorCompleted: custom status (JSON text) and the cumulative set of cancelled timers. */
  customStatus?: string | null;
  canceledTimers?: number[];
}

export interface StoredEvent {
  event: HistoryEvent;
  meta: RowMeta;
}

export type ScheduledWork =
  | { kind: "activity"; id: number; name: string; input: string | undefined; chain?: number; attempt?: number }
  | { kind: "timer"; id: number; fireAt: string; chain?: number; attempt?: number }
  | {
      kind: "suborchestration";
      id: number;
      name: string;
      instanceId: string;
      input: string | undefined;
      chain?: number;
      attempt?: number;
    };

export interface RetryChain {
  firstId: number;
  kind: "activity" | "suborchestration";
  name: string;
  input: string | undefined;
  /** Fixed child instance id for sub-orchestrations started with one. */
  instanceId?: string;
  options: RetryOptionsPayload;
  firstAttemptAt: Date;
  stopped: boolean;
  lastFailure?: { reason: string; details: string; failureDetails?: FailureDetailsPayload };
}

export interface ExecutionOutcome {
  status: number;
  result: string | undefined;
  failureDetails?: FailureDetailsPayload;
}

/**
 * Everything the host knows about one execution of an instance, rebuilt from its stored history rows: which sequence
 * numbers are taken, what work is outstanding, which timers were cancelled, and the state of retry chains.
 */
export class ExecutionState {
  readonly instanceId: string;
  readonly executionId: string;
  readonly name: string;
  readonly input: string | undefined;
  readonly parent: ParentInstance | undefined;
  readonly events: StoredEvent[] = [];
  /** Checkpoints (episodes) stored so far: the number of the next one. */
  episodes = 0;
  nextSequenceId = 0;
  /** actionIds[i] = sequence number given to the orchestrator's i-th sequence-consuming action. */
  readonly actionIds: number[] = [];
  readonly scheduled = new Map<number, ScheduledWork>();
  readonly completed = new Set<number>();
  readonly chains = new Map<number, RetryChain>();
  canceledTimers = new Set<number>();
  readonly consumedMessages = new Set<string>();
  customStatus: string | null = null;
  outcome: ExecutionOutcome | undefined;

  constructor(init: {
    instanceId: string;
    executionId: string;
    name: string;
    input: string | undefined;
    parent?: ParentInstance;
  }) {
    this.instanceId = init.instanceId;
    this.executionId = init.executionId;
    this.name = init.name;
    this.input = init.input;
    this.parent = init.parent;
  }

  get started(): boolean {
    return this.events.length > 0;
  }

  /** Folds one stored row into the state (used both when loading and after each episode). */
  apply(stored: StoredEvent): void {
    this.events.push(stored);
    const { event, meta } = stored;
    if (meta.messageId) this.consumedMessages.add(meta.messageId);
    switch (event.EventType) {
      case EventType.TaskScheduled:
        this.#schedule(
          { kind: "activity", id: event.EventId, name: String(event.Name), input: event.Input as string | undefined },
          meta,
          event.Timestamp,
        );
        break;
      case EventType.TimerCreated:
        this.#schedule({ kind: "timer", id: event.EventId, fireAt: String(event.FireAt) }, meta, event.Timestamp);
        break;
      case EventType.SubOrchestrationInstanceCreated:
        this.#schedule(
          {
            kind: "suborchestration",
            id: event.EventId,
            name: String(event.Name),
            instanceId: String(event.InstanceId),
            input: event.Input as string | undefined,
          },
          meta,
          event.Timestamp,
        );
        break;
      case EventType.TaskCompleted:
      case EventType.SubOrchestrationInstanceCompleted:
        this.completed.add(Number(event.TaskScheduledId));
        break;
      case EventType.TaskFailed:
      case EventType.SubOrchestrationInstanceFailed:
        this.#fail(Number(event.TaskScheduledId), event);
        break;
      case EventType.TimerFired:
        this.completed.add(Number(event.TimerId));
        break;
      case EventType.OrchestratorCompleted:
        if (meta.customStatus !== undefined) this.customStatus = meta.customStatus;
        if (meta.canceledTimers) this.canceledTimers = new Set(meta.canceledTimers);
        break;
      case EventType.ExecutionCompleted:
        this.outcome = {
          status: Number(event.OrchestrationStatus),
          result: event.Result as string | undefined,
          failureDetails: event.FailureDetails as FailureDetailsPayload | undefined,
        };
        break;
      default:
        break;
    }
  }

  /** Work that was scheduled and has neither completed nor been cancelled: what a (re)started host must run. */
  outstanding(): ScheduledWork[] {
    return [...this.scheduled.values()].filter(
      (w) => !this.completed.has(w.id) && !(w.kind === "timer" && this.canceledTimers.has(w.id)),
    );
  }

  #schedule(work: ScheduledWork, meta: RowMeta, scheduledAt: string): void {
    this.nextSequenceId = Math.max(this.nextSequenceId, work.id + 1);
    if (meta.origin === "action" && meta.actionIndex !== undefined) this.actionIds[meta.actionIndex] = work.id;
    if (meta.retryOf !== undefined) {
      work.chain = meta.retryOf;
      work.attempt = meta.attempt;
    }
    if (meta.retryOptions && work.kind !== "timer") {
      this.chains.set(work.id, {
        firstId: work.id,
        kind: work.kind,
        name: work.name,
        input: work.input,
        instanceId: meta.fixedInstanceId,
        options: meta.retryOptions,
        // Rows always carry firstAttemptAt; without it, the scheduling row's own time is the first attempt's (the
        // episode's, on the host clock), which replays the same every time, unlike the time of loading.
        firstAttemptAt: new Date(meta.firstAttemptAt ?? scheduledAt),
        stopped: false,
      });
    }
    if (meta.stopRetry && meta.retryOf !== undefined) {
      const chain = this.chains.get(meta.retryOf);
      if (chain) chain.stopped = true;
    }
    this.scheduled.set(work.id, work);
  }

  #fail(id: number, event: HistoryEvent): void {
    this.completed.add(id);
    const work = this.scheduled.get(id);
    const chain = work?.chain !== undefined ? this.chains.get(work.chain) : undefined;
    if (chain) {
      chain.lastFailure = {
        reason: String(event.Reason ?? ""),
        details: String(event.Details ?? ""),
        failureDetails: event.FailureDetails as FailureDetailsPayload | undefined,
      };
    }
  }
}
