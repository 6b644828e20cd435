import { EventType, OrchestrationStatusCode, type HistoryEvent } from "../replay/history.js";
import { parseJsonOrText } from "../replay/orchestrator-invoke.js";
import type { InstanceRecord } from "../store/table-store.js";

export interface StatusPayload {
  name: string;
  instanceId: string;
  runtimeStatus: string;
  input: unknown;
  customStatus: unknown;
  output: unknown;
  createdTime: string;
  lastUpdatedTime: string;
  historyEvents?: Record<string, unknown>[];
}

/** The extension's StatusResponsePayload: times as "yyyy-MM-ddTHH:mm:ssZ", JSON values parsed (raw text as a fallback). */
export function toStatusPayload(
  record: InstanceRecord,
  options: { showInput: boolean; history?: Record<string, unknown>[] },
): StatusPayload {
  const payload: StatusPayload = {
    name: record.name,
    instanceId: record.instanceId,
    runtimeStatus: record.runtimeStatus,
    input: options.showInput ? jsonValue(record.input) : null,
    customStatus: jsonValue(record.customStatus ?? undefined),
    output: jsonValue(record.output),
    createdTime: secondsIso(record.createdTime),
    lastUpdatedTime: secondsIso(record.lastUpdatedTime),
  };
  if (options.history) payload.historyEvents = options.history;
  return payload;
}

function jsonValue(text: string | undefined): unknown {
  if (text === undefined) return null;
  const trimmed = text.trim();
  return trimmed === "" ? "" : parseJsonOrText(trimmed);
}

function secondsIso(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * The history as the extension's status API shows it (showHistory=true): event types by name, scheduling events folded
 * into their completions (FunctionName, ScheduledTime, Input), orchestrator episode markers removed, results only with
 * showHistoryOutput.
 */
export function formatHistory(
  events: HistoryEvent[],
  options: { showHistoryOutput: boolean; showInput: boolean },
): Record<string, unknown>[] {
  const scheduled = new Map<string, { index: number; name: unknown; time: unknown; input: unknown }>();
  const remove = new Set<number>();
  const items = events.map((e, index) => {
    const item: Record<string, unknown> = { ...e, EventType: EventType[e.EventType] ?? e.EventType };
    switch (e.EventType) {
      case EventType.TaskScheduled:
      case EventType.SubOrchestrationInstanceCreated:
        scheduled.set(`${e.EventType}_${e.EventId}`, { index, name: e.Name, time: e.Timestamp, input: e.Input });
        delete item.Version;
        break;
      case EventType.TaskCompleted:
      case EventType.TaskFailed:
      case EventType.SubOrchestrationInstanceCompleted:
      case EventType.SubOrchestrationInstanceFailed: {
        const schedulingType =
          e.EventType <= EventType.TaskFailed ? EventType.TaskScheduled : EventType.SubOrchestrationInstanceCreated;
        const origin = scheduled.get(`${schedulingType}_${String(e.TaskScheduledId)}`);
        if (origin) {
          item.ScheduledTime = origin.time;
          item.FunctionName = origin.name;
          if (options.showInput) item.Input = origin.input;
          remove.add(origin.index);
        }
        delete item.TaskScheduledId;
        const completed =
          e.EventType === EventType.TaskCompleted || e.EventType === EventType.SubOrchestrationInstanceCompleted;
        if (completed && !options.showHistoryOutput) delete item.Result;
        else if (completed) item.Result = parseResult(e.Result);
        break;
      }
      case EventType.ExecutionStarted:
        item.FunctionName = e.Name;
        delete item.Name;
        delete item.OrchestrationInstance;
        delete item.ParentInstance;
        delete item.Version;
        delete item.Tags;
        break;
      case EventType.ExecutionCompleted:
        item.OrchestrationStatus = OrchestrationStatusCode[Number(e.OrchestrationStatus)] ?? e.OrchestrationStatus;
        if (!options.showHistoryOutput) delete item.Result;
        else item.Result = parseResult(e.Result);
        break;
      case EventType.TimerFired:
        delete item.TimerId;
        break;
      case EventType.OrchestratorStarted:
      case EventType.OrchestratorCompleted:
        remove.add(index);
        break;
      default:
        break;
    }
    if (!options.showInput) delete item.Input;
    delete item.EventId;
    delete item.IsPlayed;
    return item;
  });
  return items.filter((_item, index) => !remove.has(index));
}

function parseResult(value: unknown): unknown {
  return typeof value === "string" ? jsonValue(value) : (value ?? null);
}
