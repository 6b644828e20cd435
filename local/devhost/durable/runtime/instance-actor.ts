import type { FunctionRegistry } from "../../app/registry.js";
import type { Invoker } from "../../invoke/invoker.js";
import type { HostLogger } from "../../invoke/logger.js";
import type { HostClock } from "../../util/host-clock.js";
import type { Semaphore } from "../../util/semaphore.js";
import { takeBatch } from "../replay/batching.js";
import {
  concludeEpisode,
  episodeHistory,
  prepareEpisode,
  type ConcludedEpisode,
  type EpisodeResult,
} from "../replay/episode.js";
import { ExecutionState, type StoredEvent } from "../replay/execution-state.js";
import { EventType, isTerminal, OrchestrationStatusCode, type ParentInstance } from "../replay/history.js";
import { newExecutionId } from "./instance-id.js";
import type { InstanceMessage } from "../replay/messages.js";
import { runOrchestratorEpisode } from "../replay/orchestrator-invoke.js";
import { ConflictError, HistoryConflictError, type DurableStore, type InstanceRecord } from "../store/table-store.js";
import type { WorkDispatcher, WorkOwner } from "./work-dispatcher.js";

export interface ActorContext {
  store: DurableStore;
  invoker: Invoker;
  registry: FunctionRegistry;
  logger: HostLogger;
  /** Each episode's time (the orchestration's currentUtcDateTime) and the instance row's times. */
  clock: HostClock;
  orchestratorSlots: Semaphore;
  /** Bounds concurrent checkpoints (storage round trips). */
  storageSlots: Semaphore;
  work: WorkDispatcher;
  /** The instance reached a terminal status (or was found to be inactive): drop the actor. */
  retire(instanceId: string): void;
  /** Tells a parent orchestration that this sub-orchestration finished. */
  notifyParent(parent: ParentInstance, message: InstanceMessage): void;
}

const RETRY_DELAY_MS = 1_000;

/**
 * One orchestration instance in memory: it owns the instance's execution state, runs one episode at a time (replay
 * through the app's orchestrator, then one checkpoint: history rows first, then the instance row, then the consumed
 * inbox rows), and dispatches the work the episode scheduled. History is the source of truth: loading an instance
 * rebuilds everything from it, which is how a restarted host resumes.
 */
export class InstanceActor implements WorkOwner {
  readonly instanceId: string;
  readonly #ctx: ActorContext;
  #record!: InstanceRecord;
  #state!: ExecutionState;
  readonly #pending: InstanceMessage[] = [];
  #running = false;
  #retired = false;
  #stopping = false;
  #idle: Promise<void> = Promise.resolve();

  constructor(instanceId: string, ctx: ActorContext) {
    this.instanceId = instanceId;
    this.#ctx = ctx;
  }

  get record(): InstanceRecord {
    return this.#record;
  }

  /** Takes over an instance that was just created (nothing stored yet but its row), without reading storage. */
  initNew(record: InstanceRecord): void {
    this.#record = record;
    this.#state = new ExecutionState({
      instanceId: this.instanceId,
      executionId: record.executionId,
      name: record.name,
      input: record.input,
      parent: record.parent,
    });
  }

  /** Loads the instance from storage; returns false when it is not active (then the actor is not used). */
  async load(): Promise<boolean> {
    const record = await this.#ctx.store.getInstance(this.instanceId);
    if (!record || isTerminal(record.runtimeStatus)) return false;
    this.#record = record;
    this.#state = await this.#loadExecution(record);
    if (this.#state.outcome) {
      await this.#finishFromHistory();
      if (this.#retired) return false;
    }
    for (const message of await this.#ctx.store.loadInbox(this.instanceId)) {
      this.#pending.push(
        message.kind === "Terminate"
          ? { kind: "Terminate", reason: message.reason, messageId: message.messageId }
          : { kind: "EventRaised", name: message.name ?? "", input: message.input, messageId: message.messageId },
      );
    }
    return true;
  }

  /** Starts processing: the first episode of a new instance, pending messages, and outstanding work of a resumed one. */
  activate(): void {
    if (this.#stopping) return;
    if (this.#state.started) this.#ctx.work.dispatch(this, this.#state);
    this.#kick();
  }

  deliver(message: InstanceMessage, executionId?: string): void {
    if (this.#retired || this.#stopping) return;
    if (executionId !== undefined && executionId !== this.#state.executionId) return;
    this.#pending.push(message);
    this.#kick();
  }

  /** Host shutdown: accept nothing more and finish the episode in progress (state stays as stored). */
  shutdown(): Promise<void> {
    this.#stopping = true;
    this.#pending.length = 0;
    return this.#idle;
  }

  #kick(): void {
    if (this.#running || this.#retired || this.#stopping) return;
    if (this.#state.started && this.#pending.length === 0) return;
    this.#running = true;
    this.#idle = this.#loop()
      .catch((error: unknown) => {
        this.#ctx.logger.error(
          "Host.Durable",
          `Processing of ${this.instanceId} stopped: ${(error as Error).stack ?? String(error)}`,
        );
      })
      .finally(() => {
        this.#running = false;
      });
  }

  async #loop(): Promise<void> {
    while (!this.#retired && !this.#stopping && (!this.#state.started || this.#pending.length > 0)) {
      const batch = takeBatch(this.#state, this.#pending);
      if (batch.length === 0 && this.#state.started) break;
      try {
        await this.#episode(batch);
      } catch (error) {
        if (error instanceof ConflictError || error instanceof HistoryConflictError) {
          this.#ctx.logger.error(
            "Host.Durable",
            `${error.message} Instance ${this.instanceId} is no longer processed by this host.`,
          );
          this.#retire();
          return;
        }
        this.#ctx.logger.error(
          "Host.Durable",
          `Checkpoint of ${this.instanceId} failed, retrying: ${(error as Error).message}`,
        );
        this.#pending.unshift(...batch);
        // A pause for storage to recover: real time, whatever the host clock says.
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
        if (!(await this.#reload())) return;
      }
    }
  }

  async #episode(batch: InstanceMessage[]): Promise<void> {
    const state = this.#state;
    // maxConcurrentOrchestratorFunctions bounds the orchestrator invocations; the checkpoint that follows is bounded
    // separately (storageSlots), so slow storage round trips do not hold orchestrator slots.
    const { prepared, concluded } = await this.#ctx.orchestratorSlots.run(async () => {
      const prepared = prepareEpisode(state, batch, this.#ctx.clock.now());
      let result: EpisodeResult | undefined;
      if (!prepared.terminate) {
        const fn = this.#ctx.registry.get(state.name);
        result =
          fn?.kind === "orchestration"
            ? await runOrchestratorEpisode(this.#ctx.invoker, fn, {
                instanceId: this.instanceId,
                parentInstanceId: state.parent?.instanceId,
                input: state.input,
                history: episodeHistory(state, prepared),
              })
            : {
                kind: "failed",
                message: `The function '${state.name}' doesn't exist, is disabled, or is not an orchestrator function.`,
              };
      }
      return { prepared, concluded: concludeEpisode(state, prepared, result) };
    });
    await this.#ctx.storageSlots.run(() => this.#checkpoint(state, prepared.now, concluded));
    if (this.#stopping) return;
    await this.#afterEpisode(concluded);
  }

  /** History first (the checkpoint proper), then the instance row, then the inbox rows the episode applied. */
  async #checkpoint(state: ExecutionState, now: Date, concluded: ConcludedEpisode): Promise<void> {
    await this.#ctx.store.history.appendEpisode(this.instanceId, state.executionId, state.episodes, concluded.rows);
    state.episodes++;
    for (const row of concluded.rows) state.apply(row);
    await this.#checkpointRecord(concluded, now);
    const consumed = concluded.rows.map((r) => r.meta.messageId).filter((id): id is string => id !== undefined);
    if (consumed.length > 0) {
      await this.#ctx.store.deleteInbox(this.instanceId, consumed).catch((error: unknown) => {
        this.#ctx.logger.warn(
          "Host.Durable",
          `Could not remove applied inbox messages of ${this.instanceId}: ${(error as Error).message}`,
        );
      });
    }
  }

  async #checkpointRecord(concluded: ConcludedEpisode, now: Date): Promise<void> {
    const terminal = isTerminal(concluded.runtimeStatus);
    const current = this.#record;
    const unchanged =
      current.runtimeStatus === concluded.runtimeStatus &&
      (current.customStatus ?? null) === concluded.customStatus &&
      (concluded.output === undefined || concluded.output === current.output);
    // The history is the checkpoint; the instance row only mirrors what status queries show, so an episode that
    // changes none of it (a running orchestration that moved on) costs no second write.
    if (unchanged) return;
    const next: InstanceRecord = {
      ...this.#record,
      runtimeStatus: concluded.runtimeStatus,
      output: concluded.output ?? this.#record.output,
      customStatus: concluded.customStatus,
      lastUpdatedTime: now,
      completedTime: terminal ? now : undefined,
    };
    next.etag = await this.#ctx.store.putInstance(next, { etag: this.#record.etag ?? "*" });
    this.#record = next;
  }

  async #afterEpisode(concluded: ConcludedEpisode): Promise<void> {
    const state = this.#state;
    if (concluded.continueAsNewInput !== undefined) {
      await this.#continueAsNew(concluded.continueAsNewInput);
      return;
    }
    if (isTerminal(concluded.runtimeStatus)) {
      this.#complete(concluded.runtimeStatus, concluded.output);
      return;
    }
    this.#ctx.work.dispatch(this, state);
  }

  async #continueAsNew(input: string): Promise<void> {
    const previous = this.#state;
    this.#ctx.work.forget(this.instanceId, previous.executionId);
    const executionId = newExecutionId();
    const next: InstanceRecord = {
      ...this.#record,
      executionId,
      input,
      output: undefined,
      runtimeStatus: "Running",
      lastUpdatedTime: this.#ctx.clock.now(),
    };
    next.etag = await this.#ctx.store.putInstance(next, { etag: this.#record.etag ?? "*" });
    this.#record = next;
    this.#state = new ExecutionState({
      instanceId: this.instanceId,
      executionId,
      name: next.name,
      input,
      parent: previous.parent,
    });
    void this.#ctx.store.history.delete(this.instanceId, executionId).catch(() => undefined);
    this.#ctx.logger.info(
      "Host.Durable",
      `Orchestration ${this.instanceId} continued as new (execution ${executionId}).`,
    );
  }

  #complete(status: InstanceRecord["runtimeStatus"], output: string | undefined): void {
    const state = this.#state;
    this.#ctx.logger.info("Host.Durable", `Orchestration ${this.instanceId} (${state.name}) ${status}.`);
    if (state.parent) {
      const parent = state.parent;
      this.#ctx.notifyParent(
        parent,
        status === "Completed"
          ? { kind: "SubOrchestrationCompleted", taskScheduledId: parent.taskScheduledId, result: output ?? "null" }
          : {
              kind: "SubOrchestrationFailed",
              taskScheduledId: parent.taskScheduledId,
              reason: failureReason(state.name, status, output),
              details: output ?? "",
            },
      );
    }
    this.#retire();
  }

  #retire(): void {
    if (this.#retired) return;
    this.#retired = true;
    this.#pending.length = 0;
    if (this.#state) this.#ctx.work.forget(this.instanceId, this.#state.executionId);
    this.#ctx.retire(this.instanceId);
  }

  /** Re-reads the instance after a failed checkpoint; retires the actor when the instance is gone or finished. */
  async #reload(): Promise<boolean> {
    try {
      const record = await this.#ctx.store.getInstance(this.instanceId);
      if (!record || isTerminal(record.runtimeStatus)) {
        this.#retire();
        return false;
      }
      this.#record = record;
      this.#state = await this.#loadExecution(record);
      return true;
    } catch (error) {
      this.#ctx.logger.error("Host.Durable", `Reloading ${this.instanceId} failed: ${(error as Error).message}`);
      return true;
    }
  }

  /** Reads one execution's history (a checkpoint cut short by a crash is dropped by the history table). */
  async #loadExecution(record: InstanceRecord): Promise<ExecutionState> {
    const { rows, episodes } = await this.#ctx.store.history.load(this.instanceId, record.executionId);
    const started = rows.find((r) => r.event.EventType === EventType.ExecutionStarted)?.event;
    const parentInfo = started?.ParentInstance as
      | {
          Name?: string;
          TaskScheduleId?: number;
          OrchestrationInstance?: { InstanceId?: string; ExecutionId?: string };
        }
      | undefined;
    const state = new ExecutionState({
      instanceId: this.instanceId,
      executionId: record.executionId,
      name: record.name,
      input: started ? (started.Input as string | undefined) : record.input,
      parent:
        record.parent ??
        (parentInfo?.OrchestrationInstance?.InstanceId
          ? {
              instanceId: parentInfo.OrchestrationInstance.InstanceId,
              executionId: String(parentInfo.OrchestrationInstance.ExecutionId ?? ""),
              taskScheduledId: Number(parentInfo.TaskScheduleId),
              name: String(parentInfo.Name ?? ""),
            }
          : undefined),
    });
    rows.forEach((r: StoredEvent) => state.apply(r));
    state.episodes = episodes;
    return state;
  }

  /** History already holds the end of this execution (the host stopped before updating the instance row). */
  async #finishFromHistory(): Promise<void> {
    const outcome = this.#state.outcome!;
    if (outcome.status === OrchestrationStatusCode.ContinuedAsNew) {
      await this.#continueAsNew(outcome.result ?? "null");
      return;
    }
    const status =
      outcome.status === OrchestrationStatusCode.Completed
        ? "Completed"
        : outcome.status === OrchestrationStatusCode.Terminated
          ? "Terminated"
          : "Failed";
    const now = this.#ctx.clock.now();
    await this.#checkpointRecord(
      { rows: [], runtimeStatus: status, output: outcome.result, customStatus: this.#state.customStatus },
      now,
    );
    this.#complete(status, outcome.result);
  }
}

function failureReason(name: string, status: string, output: string | undefined): string {
  if (status === "Terminated") return `Sub-orchestration '${name}' was terminated: ${output ?? ""}`;
  try {
    const parsed: unknown = output === undefined ? undefined : JSON.parse(output);
    if (typeof parsed === "string") return parsed;
  } catch {
    // not JSON: use the raw text below
  }
  return output ?? `Sub-orchestration '${name}' failed.`;
}
