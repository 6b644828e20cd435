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
import { ExecutionState, type ScheduledWork } from "../../../local/devhost/durable/replay/execution-state.js";
import type { InstanceMessage } from "../../../local/devhost/durable/replay/messages.js";
import {
  fromFailure,
  fromReturnValue,
  orchestratorTriggerPayload,
} from "../../../local/devhost/durable/replay/orchestrator-invoke.js";

/**
 * Captures the replay engine that `df.app.orchestration` registers for `fn`, through the devhost's own core API (no
 * host, no I/O). Works for any orchestrator generator, e.g. the product's exported pipeline orchestrator.
 *
 * `@azure/functions` looks for its core module once per process: a module that calls `app.*`/`df.app.*` at import time
 * and is imported before the first call of this function switches it to "test mode" for good, and nothing can be
 * captured afterwards. Import the generator from a module that does not register it (or call this first).
 */
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
  if (!captured) {
    throw new Error(
      `df.app.orchestration("${name}") registered nothing: @azure/functions is probably in test mode because a module ` +
        "registered functions before the replay driver installed its core module (see registerOrchestrator's comment).",
    );
  }
  return captured;
}

export type ActivityImpl = (input: unknown, attempt: number) => unknown;
/** Runs a sub-orchestration the orchestrator called: its result completes it, a throw fails it. */
export type SubOrchestrationImpl = (input: unknown, instanceId: string, attempt: number) => unknown;

export interface ReplayDriverOptions {
  /** `context.df.instanceId` (default "unit-instance"). */
  instanceId?: string;
  /** The clock of the first episode; each later episode starts one second later (or at a fired timer's due time). */
  startTime?: Date | string;
  subOrchestrations?: Record<string, SubOrchestrationImpl>;
}

/** One run of an activity or sub-orchestration by the driver, in the order they ran. */
export interface DriverCall {
  kind: "activity" | "suborchestration";
  name: string;
  input: unknown;
  attempt: number;
  taskScheduledId: number;
  outcome: "completed" | "failed";
}

const EPISODE_STEP_MS = 1000;

/**
 * The devhost's episode logic (batching, numbering, conclusion) driven in memory against the real durable-functions
 * engine: outstanding work is completed by the test (activities run synchronously from `activities`), so a wrong
 * sequence number shows up as a wrong output, a stuck orchestration, or an engine error.
 *
 * The clock (`context.df.currentUtcDateTime`) moves one second per episode, and to a timer's due time when the driver
 * fires it, as a host fires durable timers no earlier than that.
 */
export class ReplayDriver {
  readonly state: ExecutionState;
  readonly pending: InstanceMessage[] = [];
  readonly episodes: ConcludedEpisode[] = [];
  /** Every activity / sub-orchestration run the driver performed. */
  readonly calls: DriverCall[] = [];
  readonly #engine: FunctionCallback;
  readonly #activities: Record<string, ActivityImpl>;
  readonly #subOrchestrations: Record<string, SubOrchestrationImpl>;
  readonly #attempts = new Map<string, number>();
  #clock: number;
  #nextMessage = 0;

  constructor(
    engine: FunctionCallback,
    name: string,
    input: unknown,
    activities: Record<string, ActivityImpl>,
    options: ReplayDriverOptions = {},
  ) {
    this.#engine = engine;
    this.#activities = activities;
    this.#subOrchestrations = options.subOrchestrations ?? {};
    const start = options.startTime === undefined ? Date.parse("2024-01-01T00:00:01Z") : toTime(options.startTime);
    this.#clock = start - EPISODE_STEP_MS;
    this.state = new ExecutionState({
      instanceId: options.instanceId ?? "unit-instance",
      executionId: "exec1",
      name,
      input: input === undefined ? undefined : JSON.stringify(input),
    });
  }

  get last(): ConcludedEpisode | undefined {
    return this.episodes.at(-1);
  }

  /** The time the last episode ran at (what the orchestrator saw as currentUtcDateTime). */
  get now(): Date {
    return new Date(this.#clock);
  }

  /** The orchestration's custom status after the last episode, parsed. */
  get customStatus(): unknown {
    const text = this.last?.customStatus;
    return text === undefined || text === null ? undefined : JSON.parse(text);
  }

  /** The orchestration's output after the last episode, parsed (undefined while it runs). */
  get output(): unknown {
    const text = this.last?.output;
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }

  /** Moves the clock forward (the next episode runs at least this much later). */
  advanceClock(ms: number): void {
    if (!(ms >= 0)) throw new Error(`advanceClock needs a non-negative duration (got ${ms})`);
    this.#clock += ms;
  }

  /** Queues an external event for the next episode (a fresh message id each time, as the host's inbox gives). */
  raiseEvent(name: string, data?: unknown): string {
    const messageId = `driver-event-${++this.#nextMessage}`;
    this.pending.push({
      kind: "EventRaised",
      name,
      input: data === undefined ? undefined : JSON.stringify(data),
      messageId,
    });
    return messageId;
  }

  /** Queues a termination for the next episode. */
  terminate(reason?: string): void {
    this.pending.push({ kind: "Terminate", reason, messageId: `driver-terminate-${++this.#nextMessage}` });
  }

  /** Work scheduled and not yet completed, by kind. */
  outstanding(kind?: ScheduledWork["kind"]): ScheduledWork[] {
    return this.state.outstanding().filter((w) => kind === undefined || w.kind === kind);
  }

  /** Runs one episode over the next batch (the first episode needs no messages). */
  async episode(): Promise<ConcludedEpisode> {
    const batch = takeBatch(this.state, this.pending);
    if (batch.length === 0 && this.state.started) throw new Error("no messages to run an episode with");
    this.#clock += EPISODE_STEP_MS;
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

  /**
   * Completes outstanding activities and sub-orchestrations (in the given order of ids, or scheduling order) and fires
   * timers (unless `fireTimers: false`). Returns how many results it queued.
   */
  completeOutstanding(options: { order?: (ids: number[]) => number[]; fireTimers?: boolean } = {}): number {
    const outstanding = this.state.outstanding();
    const ids = options.order ? options.order(outstanding.map((w) => w.id)) : outstanding.map((w) => w.id);
    let delivered = 0;
    for (const id of ids) {
      const work = outstanding.find((w) => w.id === id);
      if (!work || this.#queued(id)) continue;
      if (work.kind === "activity" || work.kind === "suborchestration") {
        this.#run(work);
        delivered++;
      } else if (work.kind === "timer" && options.fireTimers !== false) {
        this.#fire(work);
        delivered++;
      }
    }
    return delivered;
  }

  /** Fires outstanding timers (all, or those due by `until`), moving the clock to each due time. */
  fireTimers(until?: Date | string): number {
    const limit = until === undefined ? Infinity : toTime(until);
    let fired = 0;
    for (const work of this.state.outstanding()) {
      if (work.kind !== "timer" || this.#queued(work.id) || Date.parse(work.fireAt) > limit) continue;
      this.#fire(work);
      fired++;
    }
    return fired;
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

  /**
   * Like `run`, but never fires a timer: runs until the orchestration ends or waits only on timers and external events
   * (so a test can decide what happens first: `raiseEvent`, `fireTimers`, `advanceClock`).
   */
  async settle(maxEpisodes = 100): Promise<ConcludedEpisode> {
    if (!this.state.started) await this.episode();
    for (let i = 0; i < maxEpisodes && this.last!.runtimeStatus === "Running"; i++) {
      if (this.pending.length === 0 && this.completeOutstanding({ fireTimers: false }) === 0) break;
      await this.episode();
    }
    return this.last!;
  }

  #queued(id: number): boolean {
    return this.pending.some(
      (m) => ("taskScheduledId" in m && m.taskScheduledId === id) || (m.kind === "TimerFired" && m.timerId === id),
    );
  }

  #fire(work: Extract<ScheduledWork, { kind: "timer" }>): void {
    this.#clock = Math.max(this.#clock, Date.parse(work.fireAt) - EPISODE_STEP_MS);
    this.pending.push({ kind: "TimerFired", timerId: work.id, fireAt: work.fireAt });
  }

  #run(work: Extract<ScheduledWork, { kind: "activity" | "suborchestration" }>): void {
    const impl = work.kind === "activity" ? this.#activities[work.name] : undefined;
    const sub = work.kind === "suborchestration" ? this.#subOrchestrations[work.name] : undefined;
    if (!impl && !sub) {
      throw new Error(
        `the replay driver has no ${work.kind === "activity" ? "activity" : "sub-orchestration"} implementation for '${work.name}'`,
      );
    }
    const key = `${work.kind}:${work.name}:${work.input}`;
    const attempt = (this.#attempts.get(key) ?? 0) + 1;
    this.#attempts.set(key, attempt);
    const input: unknown = work.input === undefined ? undefined : JSON.parse(work.input);
    const call: DriverCall = {
      kind: work.kind,
      name: work.name,
      input,
      attempt,
      taskScheduledId: work.id,
      outcome: "completed",
    };
    this.calls.push(call);
    try {
      const value = impl
        ? impl(input, attempt)
        : sub!(input, work.kind === "suborchestration" ? work.instanceId : "", attempt);
      const result = JSON.stringify(value ?? null);
      this.pending.push(
        work.kind === "activity"
          ? { kind: "TaskCompleted", taskScheduledId: work.id, result }
          : { kind: "SubOrchestrationCompleted", taskScheduledId: work.id, result },
      );
    } catch (error) {
      call.outcome = "failed";
      const reason = (error as Error).message;
      this.pending.push(
        work.kind === "activity"
          ? { kind: "TaskFailed", taskScheduledId: work.id, reason, details: "" }
          : { kind: "SubOrchestrationFailed", taskScheduledId: work.id, reason, details: "" },
      );
    }
  }
}

function toTime(value: Date | string): number {
  const time = value instanceof Date ? value.getTime() : Date.parse(value);
  if (Number.isNaN(time)) throw new Error(`not a valid time: ${String(value)}`);
  return time;
}
