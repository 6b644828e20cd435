/**
 * History events in the Durable extension's JSON shape (PascalCase, numeric EventType), which is what the
 * durable-functions replay engine reads. Numbers follow durable-functions' HistoryEventType.
 */
export enum EventType {
  ExecutionStarted = 0,
  ExecutionCompleted = 1,
  ExecutionFailed = 2,
  ExecutionTerminated = 3,
  TaskScheduled = 4,
  TaskCompleted = 5,
  TaskFailed = 6,
  SubOrchestrationInstanceCreated = 7,
  SubOrchestrationInstanceCompleted = 8,
  SubOrchestrationInstanceFailed = 9,
  TimerCreated = 10,
  TimerFired = 11,
  OrchestratorStarted = 12,
  OrchestratorCompleted = 13,
  EventSent = 14,
  EventRaised = 15,
  ContinueAsNew = 16,
  GenericEvent = 17,
  HistoryState = 18,
  ExecutionSuspended = 19,
  ExecutionResumed = 20,
}

/** DTFx's OrchestrationStatus numbers, used in ExecutionCompleted.OrchestrationStatus. */
export enum OrchestrationStatusCode {
  Running = 0,
  Completed = 1,
  ContinuedAsNew = 2,
  Failed = 3,
  Canceled = 4,
  Terminated = 5,
  Pending = 6,
  Suspended = 7,
}

export type RuntimeStatus =
  "Pending" | "Running" | "Completed" | "ContinuedAsNew" | "Failed" | "Canceled" | "Terminated" | "Suspended";

export const TERMINAL_STATUSES: readonly RuntimeStatus[] = ["Completed", "Failed", "Canceled", "Terminated"];

export function isTerminal(status: RuntimeStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

export interface HistoryEvent {
  EventType: EventType;
  EventId: number;
  IsPlayed: boolean;
  Timestamp: string;
  [field: string]: unknown;
}

export interface FailureDetailsPayload {
  ErrorType: string;
  ErrorMessage: string;
  StackTrace?: string;
  IsNonRetriable?: boolean;
  Properties?: Record<string, unknown>;
}

function event(type: EventType, time: Date, fields: Record<string, unknown> = {}, eventId = -1): HistoryEvent {
  return { EventType: type, EventId: eventId, IsPlayed: false, Timestamp: time.toISOString(), ...fields };
}

export const historyEvent = {
  orchestratorStarted: (time: Date) => event(EventType.OrchestratorStarted, time),
  orchestratorCompleted: (time: Date) => event(EventType.OrchestratorCompleted, time),
  executionStarted: (
    time: Date,
    f: {
      name: string;
      input: string | undefined;
      instanceId: string;
      executionId: string;
      parentInstance?: ParentInstance;
    },
  ) =>
    event(EventType.ExecutionStarted, time, {
      Name: f.name,
      Input: f.input,
      OrchestrationInstance: { InstanceId: f.instanceId, ExecutionId: f.executionId },
      ParentInstance: f.parentInstance
        ? {
            Name: f.parentInstance.name,
            TaskScheduleId: f.parentInstance.taskScheduledId,
            OrchestrationInstance: {
              InstanceId: f.parentInstance.instanceId,
              ExecutionId: f.parentInstance.executionId,
            },
          }
        : undefined,
    }),
  executionCompleted: (
    time: Date,
    status: OrchestrationStatusCode,
    result: string | undefined,
    failureDetails?: FailureDetailsPayload,
  ) =>
    event(EventType.ExecutionCompleted, time, {
      OrchestrationStatus: status,
      Result: result,
      FailureDetails: failureDetails,
    }),
  executionTerminated: (time: Date, reason: string | undefined) =>
    event(EventType.ExecutionTerminated, time, { Input: reason }),
  taskScheduled: (time: Date, id: number, name: string, input: string | undefined) =>
    event(EventType.TaskScheduled, time, { Name: name, Input: input }, id),
  taskCompleted: (time: Date, taskScheduledId: number, result: string) =>
    event(EventType.TaskCompleted, time, { TaskScheduledId: taskScheduledId, Result: result }),
  taskFailed: (
    time: Date,
    taskScheduledId: number,
    reason: string,
    details: string,
    failureDetails?: FailureDetailsPayload,
  ) =>
    event(EventType.TaskFailed, time, {
      TaskScheduledId: taskScheduledId,
      Reason: reason,
      Details: details,
      FailureDetails: failureDetails,
    }),
  timerCreated: (time: Date, id: number, fireAt: Date) =>
    event(EventType.TimerCreated, time, { FireAt: fireAt.toISOString() }, id),
  timerFired: (time: Date, timerId: number, fireAt: string) =>
    event(EventType.TimerFired, time, { TimerId: timerId, FireAt: fireAt }),
  eventRaised: (time: Date, name: string, input: string | undefined) =>
    event(EventType.EventRaised, time, { Name: name, Input: input }),
  subOrchestrationCreated: (time: Date, id: number, name: string, instanceId: string, input: string | undefined) =>
    event(EventType.SubOrchestrationInstanceCreated, time, { Name: name, InstanceId: instanceId, Input: input }, id),
  subOrchestrationCompleted: (time: Date, taskScheduledId: number, result: string) =>
    event(EventType.SubOrchestrationInstanceCompleted, time, { TaskScheduledId: taskScheduledId, Result: result }),
  subOrchestrationFailed: (
    time: Date,
    taskScheduledId: number,
    reason: string,
    details: string,
    failureDetails?: FailureDetailsPayload,
  ) =>
    event(EventType.SubOrchestrationInstanceFailed, time, {
      TaskScheduledId: taskScheduledId,
      Reason: reason,
      Details: details,
      FailureDetails: failureDetails,
    }),
};

export interface ParentInstance {
  instanceId: string;
  executionId: string;
  taskScheduledId: number;
  name: string;
}

/** Serialises a value the way the extension stores inputs and results: JSON text ("null" for nothing). */
export function toJsonText(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? "null" : text;
}
