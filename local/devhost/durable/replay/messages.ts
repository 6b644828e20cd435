import type { FailureDetailsPayload } from "./history.js";

/**
 * What can arrive for an orchestration instance between episodes. Results of work the host ran itself (activities,
 * timers, sub-orchestrations) live only in memory and are recomputed after a crash; client messages (events, terminate)
 * are stored in the inbox table first, and carry that row's id so they are applied exactly once.
 */
export type InstanceMessage =
  | { kind: "TaskCompleted"; taskScheduledId: number; result: string }
  | {
      kind: "TaskFailed";
      taskScheduledId: number;
      reason: string;
      details: string;
      failureDetails?: FailureDetailsPayload;
    }
  | { kind: "TimerFired"; timerId: number; fireAt: string }
  | { kind: "SubOrchestrationCompleted"; taskScheduledId: number; result: string }
  | {
      kind: "SubOrchestrationFailed";
      taskScheduledId: number;
      reason: string;
      details: string;
      failureDetails?: FailureDetailsPayload;
    }
  | { kind: "EventRaised"; name: string; input: string | undefined; messageId: string }
  | { kind: "Terminate"; reason: string | undefined; messageId: string };

export function messageTaskId(message: InstanceMessage): number | undefined {
  switch (message.kind) {
    case "TaskCompleted":
    case "TaskFailed":
    case "SubOrchestrationCompleted":
    case "SubOrchestrationFailed":
      return message.taskScheduledId;
    case "TimerFired":
      return message.timerId;
    default:
      return undefined;
  }
}
