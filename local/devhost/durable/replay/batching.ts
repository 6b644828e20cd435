import type { ExecutionState } from "./execution-state.js";
import { messageTaskId, type InstanceMessage } from "./messages.js";

/**
 * Whether applying `message` makes the replay engine take a sequence number before the orchestrator resumes (a failed
 * retry attempt asks for a delay timer; a fired delay timer asks for the next attempt). Such messages go first in a
 * batch so the host numbers them exactly as the engine will.
 */
export function allocatesSequenceNumber(state: ExecutionState, message: InstanceMessage): boolean {
  if (message.kind === "TaskFailed" || message.kind === "SubOrchestrationFailed") {
    const work = state.scheduled.get(message.taskScheduledId);
    return work !== undefined && work.kind !== "timer" && work.chain !== undefined;
  }
  if (message.kind === "TimerFired") {
    const work = state.scheduled.get(message.timerId);
    const chain = work?.chain !== undefined ? state.chains.get(work.chain) : undefined;
    // A fired delay timer asks for the next attempt only while attempts remain; otherwise the retry task fails and
    // the orchestrator resumes, which makes it an ordinary (resuming) message.
    return work?.kind === "timer" && chain !== undefined && (work.attempt ?? 1) < chain.options.maxNumberOfAttempts;
  }
  return false;
}

/** Messages already reflected in history (a duplicate after recovery) or no longer wanted (a cancelled timer). */
export function isStale(state: ExecutionState, message: InstanceMessage): boolean {
  switch (message.kind) {
    case "EventRaised":
    case "Terminate":
      return state.consumedMessages.has(message.messageId);
    case "TimerFired":
      return (
        state.completed.has(message.timerId) ||
        state.canceledTimers.has(message.timerId) ||
        !state.scheduled.has(message.timerId)
      );
    default:
      return state.completed.has(message.taskScheduledId) || !state.scheduled.has(message.taskScheduledId);
  }
}

/**
 * Takes the next batch of messages for one episode from the front of `pending` (removing them). Stale messages are
 * dropped. Messages that make the engine take a sequence number may only come before any message that resumes the
 * orchestrator, so a batch is: allocating messages first, then resuming ones, up to the next allocating message.
 */
export function takeBatch(state: ExecutionState, pending: InstanceMessage[]): InstanceMessage[] {
  const batch: InstanceMessage[] = [];
  const seenTasks = new Set<number>();
  const seenMessages = new Set<string>();
  let resumed = false;
  while (pending.length > 0) {
    const message = pending[0]!;
    const taskId = messageTaskId(message);
    const messageId = "messageId" in message ? message.messageId : undefined;
    const duplicate =
      (taskId !== undefined && seenTasks.has(taskId)) || (messageId !== undefined && seenMessages.has(messageId));
    if (duplicate || isStale(state, message)) {
      pending.shift();
      continue;
    }
    const allocates = allocatesSequenceNumber(state, message);
    if (allocates && resumed) break;
    pending.shift();
    batch.push(message);
    if (taskId !== undefined) seenTasks.add(taskId);
    if (messageId !== undefined) seenMessages.add(messageId);
    if (!allocates) resumed = true;
  }
  return batch;
}
