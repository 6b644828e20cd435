import * as df from "durable-functions";
import type { OrchestrationHandler } from "durable-functions";
import { beginRegistration, Disposable } from "../../../local/devhost/app/core-api.js";
import type { FunctionCallback } from "../../../local/devhost/app/core-types.js";
import { installCoreModuleHook } from "../../../local/devhost/app/module-hook.js";
import { takeBatch } from "../../../local/devhost/durable/replay/batching.js";
import {
  concludeEpisode,
  episodeHistory,
  prepareEpisode,
  type ConcludedEpisode,
  type EpisodeResult,
} from "../../../local/devhost/durable/replay/episode.js";
import { ExecutionState } from "../../../local/devhost/durable/replay/execution-state.js";
import type { InstanceMessage } from "../../../local/devhost/durable/replay/messages.js";
import {
  fromFailure,
  fromReturnValue,
  orchestratorTriggerPayload,
} from "../../../local/devhost/durable/replay/orchestrator-invoke.js";

/** Captures the replay engine that `df.app.orchestration` registers, through the devhost's own core API (no host, no I/O). */
export function registerOrchestrator(name: string, fn: OrchestrationHandler): FunctionCallback {
  installCoreModuleHook();
  let captured: FunctionCallback | undefined;
  const end = beginRegistration({
    registerFunction: (_metadata, callback) => {
      captured = callback;
      return new Disposable(() => undefined);
    },
    registerHook: () => new Disposable(() => undefined),
    systemLog: () => undefined,
  });
  try {
    df.app.orchestration(name, fn);
  } finally {
    end();
  }
  if (!captured) throw new Error("df.app.orchestration registered nothing");
  return captured;
}

export type ActivityImpl = (input: unknown, attempt: number) => unknown;

/**
 * The devhost's episode logic (batching, numbering, conclusion) driven in memory against the real durable-functions
 * engine: outstanding work is completed by the test (activities run synchronously from `activities`), so a wrong
 * sequence number shows up as a wrong output, a stuck orchestration, or an engine error.
 */
export class ReplayDriver {
  readonly state: ExecutionState;
  readonly pending: InstanceMessage[] = [];
  readonly episodes: ConcludedEpisode[] = [];
  readonly #engine: FunctionCallback;
  readonly #activities: Record<string, ActivityImpl>;
  readonly #attempts = new Map<string, number>();
  #clock: number;

  constructor(engine: FunctionCallback, name: string, input: unknown, activities: Record<string, ActivityImpl>) {
    this.#engine = engine;
    this.#activities = activities;
    this.#clock = Date.parse("2024-01-01T00:00:00Z");
    this.state = new ExecutionState({
      instanceId: "unit-instance",
      executionId: "exec1",
      name,
      input: input === undefined ? undefined : JSON.stringify(input),
    });
  }

  get last(): ConcludedEpisode | undefined {
    return this.episodes.at(-1);
  }

  /** Runs one episode over the next batch (the first episode needs no messages). */
  async episode(): Promise<ConcludedEpisode> {
    const batch = takeBatch(this.state, this.pending);
    if (batch.length === 0 && this.state.started) throw new Error("no messages to run an episode with");
    this.#clock += 1000;
    const prepared = prepareEpisode(this.state, batch, new Date(this.#clock));
    let result: EpisodeResult | undefined;
    if (!prepared.terminate) {
      const trigger = JSON.parse(
        JSON.stringify(
          orchestratorTriggerPayload({
            instanceId: this.state.instanceId,
            input: this.state.input,
            history: episodeHistory(this.state, prepared),
          }),
        ),
      ) as Record<string, unknown>;
      try {
        const state: unknown = await this.#engine(trigger, new df.DummyOrchestrationContext());
        result = fromReturnValue(JSON.stringify(state));
      } catch (error) {
        result = fromFailure(error as Error);
      }
    }
    const concluded = concludeEpisode(this.state, prepared, result);
    this.state.episodes++;
    for (const row of concluded.rows) this.state.apply(row);
    this.episodes.push(concluded);
    return concluded;
  }

  /** Completes outstanding activities (in the given order of names, or scheduling order) and fires due timers. */
  completeOutstanding(options: { order?: (ids: number[]) => number[]; fireTimers?: boolean } = {}): number {
    const outstanding = this.state.outstanding();
    const ids = options.order ? options.order(outstanding.map((w) => w.id)) : outstanding.map((w) => w.id);
    let delivered = 0;
    for (const id of ids) {
      const work = outstanding.find((w) => w.id === id);
      if (!work || this.pending.some((m) => "taskScheduledId" in m && m.taskScheduledId === id)) continue;
      if (work.kind === "activity") {
        const key = `${work.name}:${work.input}`;
        const attempt = (this.#attempts.get(key) ?? 0) + 1;
        this.#attempts.set(key, attempt);
        try {
          const value = this.#activities[work.name]!(
            work.input === undefined ? undefined : JSON.parse(work.input),
            attempt,
          );
          this.pending.push({ kind: "TaskCompleted", taskScheduledId: id, result: JSON.stringify(value ?? null) });
        } catch (error) {
          this.pending.push({ kind: "TaskFailed", taskScheduledId: id, reason: (error as Error).message, details: "" });
        }
        delivered++;
      } else if (
        work.kind === "timer" &&
        options.fireTimers !== false &&
        !this.pending.some((m) => m.kind === "TimerFired" && m.timerId === id)
      ) {
        this.pending.push({ kind: "TimerFired", timerId: id, fireAt: work.fireAt });
        delivered++;
      }
    }
    return delivered;
  }

  /** Alternates episodes and completion of outstanding work until the orchestration ends. */
  async run(maxEpisodes = 100): Promise<ConcludedEpisode> {
    if (!this.state.started) await this.episode();
    for (let i = 0; i < maxEpisodes && this.last!.runtimeStatus === "Running"; i++) {
      if (this.pending.length === 0 && this.completeOutstanding() === 0)
        throw new Error("orchestration is stuck: nothing outstanding");
      await this.episode();
    }
    return this.last!;
  }
}
