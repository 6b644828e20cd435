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
 */
export class WorkDispatcher {
  readonly #options: WorkDispatcherOptions;
  readonly #inFlight = new Set<string>();

  constructor(options: WorkDispatcherOptions) {
    this.#options = options;
  }

  dispatch(owner: WorkOwner, state: ExecutionState): void {
    for (const id of state.canceledTimers) {
      const key = workKey(owner.instanceId, state.executionId, id);
      this.#options.timers.cancel(key);
      this.#inFlight.delete(key);
    }
    for (const work of state.outstanding()) {
      const key = workKey(owner.instanceId, state.executionId, work.id);
      if (this.#inFlight.has(key)) continue;
      this.#inFlight.add(key);
      switch (work.kind) {
        case "activity":
          this.#activity(owner, state, work, key);
          break;
        case "timer":
          this.#options.timers.schedule(key, new Date(work.fireAt), () => {
            this.#inFlight.delete(key);
            owner.deliver({ kind: "TimerFired", timerId: work.id, fireAt: work.fireAt }, state.executionId);
          });
          break;
        case "suborchestration":
          this.#options.startChild(owner, state, work).catch((error: unknown) => {
            this.#inFlight.delete(key);
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
  }

  /** A sub-orchestration's result reached its parent: it no longer counts as in flight. */
  settled(instanceId: string, executionId: string, id: number): void {
    this.#inFlight.delete(workKey(instanceId, executionId, id));
  }

  /** Drops every timer and in-flight mark of an execution that finished (running activities finish; results are ignored). */
  forget(instanceId: string, executionId: string): void {
    const prefix = workKey(instanceId, executionId, "");
    this.#options.timers.cancelPrefix(prefix);
    for (const key of [...this.#inFlight]) if (key.startsWith(prefix)) this.#inFlight.delete(key);
  }

  #activity(
    owner: WorkOwner,
    state: ExecutionState,
    work: Extract<ScheduledWork, { kind: "activity" }>,
    key: string,
  ): void {
    const chain = work.chain !== undefined ? state.chains.get(work.chain) : undefined;
    if (chain?.stopped && (work.attempt ?? 1) > 1) {
      // The retry timeout ran out: the engine still asks for this attempt, which fails without running.
      this.#inFlight.delete(key);
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
        this.#inFlight.delete(key);
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

function workKey(instanceId: string, executionId: string, id: number | string): string {
  return `${instanceId}\u0000${executionId}\u0000${id}`;
}
