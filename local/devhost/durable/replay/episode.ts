import {
  ActionType,
  consumesSequenceNumber,
  flattenActions,
  unsupportedActionReason,
  type ActionPayload,
  type OrchestratorStatePayload,
} from "./actions.js";
import type { ExecutionState, RowMeta, StoredEvent } from "./execution-state.js";
import {
  historyEvent,
  OrchestrationStatusCode,
  toJsonText,
  type FailureDetailsPayload,
  type HistoryEvent,
  type RuntimeStatus,
} from "./history.js";
import { allocatesSequenceNumber } from "./batching.js";
import { messageTaskId, type InstanceMessage } from "./messages.js";
import { decideRetry } from "./retry-policy.js";

/** The replay engine's verdict on one episode. */
export type EpisodeResult =
  | { kind: "state"; state: OrchestratorStatePayload }
  | { kind: "failed"; message: string; state?: OrchestratorStatePayload; failureDetails?: FailureDetailsPayload };

export interface PreparedEpisode {
  now: Date;
  /** OrchestratorStarted, ExecutionStarted (first episode) and the delivered messages, in order. */
  incoming: StoredEvent[];
  /** Scheduling rows the host adds for retry chains before the orchestrator runs (timers, next attempts). */
  allocations: StoredEvent[];
  terminate?: { reason: string | undefined };
  nextId: number;
}

export interface ConcludedEpisode {
  rows: StoredEvent[];
  runtimeStatus: RuntimeStatus;
  output?: string;
  customStatus: string | null;
  /** Set when the orchestrator called continueAsNew: the next execution's input (JSON text). */
  continueAsNewInput?: string;
}

const row = (event: HistoryEvent, meta: RowMeta = {}): StoredEvent => ({ event, meta });

export function prepareEpisode(state: ExecutionState, batch: InstanceMessage[], now: Date): PreparedEpisode {
  const incoming: StoredEvent[] = [row(historyEvent.orchestratorStarted(now))];
  if (!state.started) {
    incoming.push(
      row(
        historyEvent.executionStarted(now, {
          name: state.name,
          input: state.input,
          instanceId: state.instanceId,
          executionId: state.executionId,
          parentInstance: state.parent,
        }),
      ),
    );
  }
  const terminate = batch.find((m): m is Extract<InstanceMessage, { kind: "Terminate" }> => m.kind === "Terminate");
  if (terminate) {
    incoming.push(row(historyEvent.executionTerminated(now, terminate.reason), { messageId: terminate.messageId }));
    return { now, incoming, allocations: [], terminate: { reason: terminate.reason }, nextId: state.nextSequenceId };
  }
  const allocations: StoredEvent[] = [];
  let nextId = state.nextSequenceId;
  for (const message of batch) {
    incoming.push(toIncomingRow(message, now));
    if (!allocatesSequenceNumber(state, message)) continue;
    if (message.kind === "TimerFired") {
      const timer = state.scheduled.get(message.timerId)!;
      const chain = state.chains.get(timer.chain!)!;
      const failedAttempt = timer.attempt ?? 1;
      const id = nextId++;
      const meta: RowMeta = { origin: "retry", retryOf: chain.firstId, attempt: failedAttempt + 1 };
      allocations.push(
        chain.kind === "activity"
          ? row(historyEvent.taskScheduled(now, id, chain.name, chain.input), meta)
          : row(
              historyEvent.subOrchestrationCreated(
                now,
                id,
                chain.name,
                chain.instanceId ?? childInstanceId(state.instanceId, id),
                chain.input,
              ),
              meta,
            ),
      );
    } else {
      const work = state.scheduled.get(messageTaskId(message)!)!;
      const chain = state.chains.get(work.chain!)!;
      const failedAttempt = work.attempt ?? 1;
      const decision = chain.stopped
        ? { delayMs: 0, retry: false }
        : decideRetry(chain.options, failedAttempt, chain.firstAttemptAt, now);
      const stopsEarly = !decision.retry && failedAttempt < chain.options.maxNumberOfAttempts;
      allocations.push(
        row(historyEvent.timerCreated(now, nextId++, new Date(now.getTime() + decision.delayMs)), {
          origin: "retry",
          retryOf: chain.firstId,
          attempt: failedAttempt,
          stopRetry: stopsEarly ? true : undefined,
        }),
      );
    }
  }
  return { now, incoming, allocations, nextId };
}

/** The trigger history for the engine: everything stored, then this episode's incoming events. */
export function episodeHistory(state: ExecutionState, prepared: PreparedEpisode): HistoryEvent[] {
  return [...state.events.map((s) => ({ ...s.event, IsPlayed: true })), ...prepared.incoming.map((s) => s.event)];
}

export function concludeEpisode(
  state: ExecutionState,
  prepared: PreparedEpisode,
  result: EpisodeResult | undefined,
): ConcludedEpisode {
  const { now } = prepared;
  const rows = [...prepared.incoming, ...prepared.allocations];
  if (prepared.terminate || !result) {
    const reason = prepared.terminate?.reason;
    rows.push(row(historyEvent.executionCompleted(now, OrchestrationStatusCode.Terminated, reason)));
    rows.push(
      row(historyEvent.orchestratorCompleted(now), {
        customStatus: state.customStatus,
        canceledTimers: [...state.canceledTimers],
      }),
    );
    return { rows, runtimeStatus: "Terminated", output: reason, customStatus: state.customStatus };
  }
  const payload = result.state;
  const customStatus = payload?.customStatus === undefined ? null : toJsonText(payload.customStatus);
  let failure = result.kind === "failed" ? { message: result.message, details: result.failureDetails } : undefined;
  let nextId = prepared.nextId;
  const canceled = new Set(state.canceledTimers);
  let continueAsNewInput: string | undefined;
  if (payload && !failure) {
    const flat = flattenActions(payload);
    const consuming = flat.filter(consumesSequenceNumber);
    const ids: number[] = [...state.actionIds];
    for (let index = state.actionIds.length; index < consuming.length && !failure; index++) {
      const action = consuming[index]!;
      const unsupported = unsupportedActionReason(action);
      if (unsupported) {
        failure = { message: unsupported, details: undefined };
        break;
      }
      const id = nextId++;
      ids[index] = id;
      rows.push(schedulingRow(state, action, id, index, now));
    }
    consuming.forEach((action, index) => {
      if (action.actionType === ActionType.CreateTimer && action.isCanceled && ids[index] !== undefined)
        canceled.add(ids[index]!);
    });
    const continueAsNew = flat.find((a) => a.actionType === ActionType.ContinueAsNew);
    if (payload.isDone && continueAsNew) continueAsNewInput = inputText(continueAsNew.input, true) ?? "null";
  }
  const finish = (status: OrchestrationStatusCode, result?: string, details?: FailureDetailsPayload): void => {
    rows.push(row(historyEvent.executionCompleted(now, status, result, details)));
  };
  let runtimeStatus: RuntimeStatus = "Running";
  let output: string | undefined;
  if (failure) {
    runtimeStatus = "Failed";
    output = toJsonText(`Orchestrator function '${state.name}' failed: ${failure.message}`);
    finish(
      OrchestrationStatusCode.Failed,
      output,
      failure.details ?? { ErrorType: "OrchestratorFunctionFailed", ErrorMessage: failure.message },
    );
  } else if (continueAsNewInput !== undefined) {
    runtimeStatus = "ContinuedAsNew";
    output = continueAsNewInput;
    finish(OrchestrationStatusCode.ContinuedAsNew, continueAsNewInput);
  } else if (payload?.isDone) {
    runtimeStatus = "Completed";
    output = toJsonText(payload.output);
    finish(OrchestrationStatusCode.Completed, output);
  }
  rows.push(row(historyEvent.orchestratorCompleted(now), { customStatus, canceledTimers: [...canceled] }));
  return { rows, runtimeStatus, output, customStatus, continueAsNewInput };
}

function schedulingRow(
  state: ExecutionState,
  action: ActionPayload,
  id: number,
  actionIndex: number,
  now: Date,
): StoredEvent {
  const meta: RowMeta = { origin: "action", actionIndex };
  switch (action.actionType) {
    case ActionType.CreateTimer:
      return row(historyEvent.timerCreated(now, id, new Date(String(action.fireAt))), meta);
    case ActionType.CallActivity:
    case ActionType.CallActivityWithRetry: {
      if (action.actionType === ActionType.CallActivityWithRetry) Object.assign(meta, retryMeta(action, id, now));
      return row(historyEvent.taskScheduled(now, id, String(action.functionName), inputText(action.input, true)), meta);
    }
    default: {
      // CallSubOrchestrator / CallSubOrchestratorWithRetry
      if (action.actionType === ActionType.CallSubOrchestratorWithRetry) {
        Object.assign(meta, retryMeta(action, id, now), { fixedInstanceId: action.instanceId || undefined });
      }
      const childId = action.instanceId || childInstanceId(state.instanceId, id);
      return row(
        historyEvent.subOrchestrationCreated(
          now,
          id,
          String(action.functionName),
          childId,
          inputText(action.input, false),
        ),
        meta,
      );
    }
  }
}

function retryMeta(action: ActionPayload, id: number, now: Date): RowMeta {
  return { retryOf: id, attempt: 1, retryOptions: action.retryOptions, firstAttemptAt: now.toISOString() };
}

/**
 * durable-functions pre-serialises string inputs of activities and continueAsNew (a string arrives as JSON text);
 * everything else arrives as the value itself.
 */
function inputText(input: unknown, preSerialisedStrings: boolean): string | undefined {
  if (input === undefined) return undefined;
  if (preSerialisedStrings && typeof input === "string") return input;
  return toJsonText(input);
}

/** The instance id of a sub-orchestration started without one: parent id and sequence number, like the extension. */
export function childInstanceId(parentInstanceId: string, sequenceId: number): string {
  return `${parentInstanceId}:${sequenceId.toString(16).padStart(4, "0")}`;
}

function toIncomingRow(message: InstanceMessage, now: Date): StoredEvent {
  switch (message.kind) {
    case "TaskCompleted":
      return row(historyEvent.taskCompleted(now, message.taskScheduledId, message.result));
    case "TaskFailed":
      return row(
        historyEvent.taskFailed(now, message.taskScheduledId, message.reason, message.details, message.failureDetails),
      );
    case "TimerFired":
      return row(historyEvent.timerFired(now, message.timerId, message.fireAt));
    case "SubOrchestrationCompleted":
      return row(historyEvent.subOrchestrationCompleted(now, message.taskScheduledId, message.result));
    case "SubOrchestrationFailed":
      return row(
        historyEvent.subOrchestrationFailed(
          now,
          message.taskScheduledId,
          message.reason,
          message.details,
          message.failureDetails,
        ),
      );
    case "EventRaised":
      return row(historyEvent.eventRaised(now, message.name, message.input), { messageId: message.messageId });
    case "Terminate":
      return row(historyEvent.executionTerminated(now, message.reason), { messageId: message.messageId });
  }
}
