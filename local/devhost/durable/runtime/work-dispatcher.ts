import type { FunctionRegistry } from "../../app/registry.js";
import type { Invoker } from "../../invoke/invoker.js";
import type { HostLogger } from "../../invoke/logger.js";
import type { Semaphore } from "../../util/semaphore.js";
import { runActivity } from "./activity-runner.js";
import type { ExecutionState, ScheduledWork } from "../replay/execution-state.js";
import type { InstanceMessage } from "../replay/messages.js";
import type { WallClockTimers } from "./wall-clock-timers.js";

/** The side of an instance that receives the results of dispatched work. */
export interface WorkOwner {
  instanceId: string;
  deliver(message: InstanceMessage, executionId: string): void;
}

export interface WorkDispatcherOptions {
  invoker: Invoker;
  registry: FunctionRegistry;
  activitySlots: Semaphore;
  timers: WallClockTimers;
  logger: HostLogger;
  /** Makes sure the child instance of a sub-orchestration exists and runs (idempotent). */
  startChild(
    owner: WorkOwner,
    state: ExecutionState,
    work: Extract<ScheduledWork, { kind: "suborchestration" }>,
  ): Promise<void>;
}

/**
 * Runs what orchestrations scheduled: activities (bounded by maxConcurrentActivityFunctions), durable timers on the
 * wall clock, and sub-orchestrations. Work is keyed by instance, execution and sequence number, so asking twice (after
 * every episode, and again after a restart) never runs anything twice within one host process.
 *
 * A piece of work stays marked in flight until its result is part of the execution state, not merely delivered: a
 * result that arrives while an episode runs waits in the actor's queue, and the dispatch after that episode still sees
 * the work as outstanding. Clearing the mark on delivery is what made an activity run again whenever an event arrived
 * as it completed (the real host runs an activity once per TaskScheduled event; at least once only across crashes).
 */
export class WorkDispatcher {
  readonly #options: WorkDispatcherOptions;
  /** Per execution (instance + execution id): sequence numbers dispatched and not yet applied as completed. */
  readonly #inFlight = new Map<string, Set<number>>();

  constructor(options: WorkDispatcherOptions) {
    this.#options = options;
  }

  dispatch(owner: WorkOwner, state: ExecutionState): void {
    const execution = executionKey(owner.instanceId, state.executionId);
    for (const id of state.canceledTimers) this.#options.timers.cancel(workKey(execution, id));
    const outstanding = state.outstanding();
    const marks = this.#inFlight.get(execution) ?? new Set<number>();
    // Work the state shows as completed (or cancelled) needs its mark no more; everything else keeps it.
    const open = new Set(outstanding.map((w) => w.id));
    for (const id of marks) if (!open.has(id)) marks.delete(id);
    for (const work of outstanding) {
      if (marks.has(work.id)) continue;
      marks.add(work.id);
      const key = workKey(execution, work.id);
      switch (work.kind) {
        case "activity":
          this.#activity(owner, state, work);
          break;
        case "timer":
          this.#options.timers.schedule(key, new Date(work.fireAt), () => {
            owner.deliver({ kind: "TimerFired", timerId: work.id, fireAt: work.fireAt }, state.executionId);
          });
          break;
        case "suborchestration":
          this.#options.startChild(owner, state, work).catch((error: unknown) => {
            this.#options.logger.error(
              "Host.Durable",
              `Could not start sub-orchestration ${work.instanceId} of ${owner.instanceId}: ${(error as Error).message}`,
            );
            owner.deliver(
              {
                kind: "SubOrchestrationFailed",
                taskScheduledId: work.id,
                reason: `Could not start sub-orchestration '${work.name}'`,
                details: (error as Error).message,
              },
              state.executionId,
            );
          });
          break;
      }
    }
    if (marks.size > 0) this.#inFlight.set(execution, marks);
    else this.#inFlight.delete(execution);
  }

  /** Drops every timer and in-flight mark of an execution that finished (running activities finish; results are ignored). */
  forget(instanceId: string, executionId: string): void {
    const execution = executionKey(instanceId, executionId);
    this.#options.timers.cancelPrefix(workKey(execution, ""));
    this.#inFlight.delete(execution);
  }

  #activity(owner: WorkOwner, state: ExecutionState, work: Extract<ScheduledWork, { kind: "activity" }>): void {
    const chain = work.chain !== undefined ? state.chains.get(work.chain) : undefined;
    if (chain?.stopped && (work.attempt ?? 1) > 1) {
      // The retry timeout ran out: the engine still asks for this attempt, which fails without running.
      const last = chain.lastFailure ?? {
        reason: `Activity function '${work.name}' failed: retry timeout exceeded`,
        details: "",
      };
      owner.deliver({ kind: "TaskFailed", taskScheduledId: work.id, ...last }, state.executionId);
      return;
    }
    const { invoker, registry, activitySlots } = this.#options;
    void activitySlots
      .run(() => runActivity(invoker, registry, work.name, work.input, owner.instanceId))
      .then((result) => {
        owner.deliver(
          result.ok
            ? { kind: "TaskCompleted", taskScheduledId: work.id, result: result.result }
            : {
                kind: "TaskFailed",
                taskScheduledId: work.id,
                reason: result.reason,
                details: result.details,
                failureDetails: result.failureDetails,
              },
          state.executionId,
        );
      });
  }
}

function executionKey(instanceId: string, executionId: string): string {
  return `${instanceId}\u0000${executionId}`;
}

function workKey(execution: string, id: number | string): string {
  return `${execution}\u0000${id}`;
}
