import type { OrchestrationHandler } from "durable-functions";
import { registerOrchestrator, ReplayDriver } from "../../../support/durable/replay-driver.js";
import type {
  ActivityName,
  EventName,
  PipelineOutcome,
  PipelineStatus,
} from "../../../../src/pipeline/contract/index.js";

/**
 * An adapter over the devhost's replay driver for the pipeline's orchestrations: the real durable-functions replay
 * engine, activities answered in memory by the test, no host and no I/O. What the driver lacks and this adds:
 * completing activities (and the host's retry delays) without firing the orchestration's own timers, so a test can
 * decide whether a person's decision or a deadline comes first; raising events by contract name; recording every
 * activity call; reading the outcome and custom status as the contract's types.
 */

export type Activities = Partial<Record<ActivityName, (input: never, attempt: number) => unknown>>;

const engines = new Map<string, ReturnType<typeof registerOrchestrator>>();

function engineFor(name: string, handler: OrchestrationHandler): ReturnType<typeof registerOrchestrator> {
  let engine = engines.get(name);
  if (!engine) {
    engine = registerOrchestrator(name, handler);
    engines.set(name, engine);
  }
  return engine;
}

export class PipelineRun {
  readonly driver: ReplayDriver;
  readonly calls: Array<{ name: ActivityName; input: unknown }> = [];
  #messages = 0;

  constructor(name: string, handler: OrchestrationHandler, input: unknown, activities: Activities) {
    const recorded: Record<string, (input: unknown, attempt: number) => unknown> = {};
    // Notifications never decide anything; a test that does not care about them gets a notify that sends nothing.
    const withNotify: Activities = {
      notify: () => ({ eventId: "", sinks: 0, started: 0 }),
      ...activities,
    };
    for (const [activity, impl] of Object.entries(withNotify)) {
      recorded[activity] = (value: unknown, attempt: number) => {
        this.calls.push({ name: activity as ActivityName, input: value });
        return (impl as (input: unknown, attempt: number) => unknown)(value, attempt);
      };
    }
    // attestDecision (src/attest/) runs after every final decision; tests that do not look at it get "disabled",
    // unrecorded, so their call lists stay what they assert.
    recorded.attestDecision ??= () => ({ state: "disabled" });
    this.driver = new ReplayDriver(engineFor(name, handler), name, input, recorded);
  }

  get runtimeStatus(): string {
    return this.driver.last?.runtimeStatus ?? "Pending";
  }

  get output(): PipelineOutcome | string | undefined {
    const text = this.driver.last?.output;
    return text === undefined ? undefined : (JSON.parse(text) as PipelineOutcome | string);
  }

  get outcome(): PipelineOutcome {
    return this.output as PipelineOutcome;
  }

  get customStatus(): PipelineStatus {
    return JSON.parse(this.driver.last?.customStatus ?? "null") as PipelineStatus;
  }

  /** Inputs of every call of one activity, in order. */
  inputsOf<T>(name: ActivityName): T[] {
    return this.calls.filter((c) => c.name === name).map((c) => c.input as T);
  }

  /**
   * Runs until the orchestration ends or waits for something only the test can give (an event, or one of its own
   * timers): activities are answered and the host's retry delays elapse, the orchestration's timers do not fire.
   */
  async settle(maxEpisodes = 200): Promise<this> {
    if (!this.driver.state.started) await this.driver.episode();
    for (let i = 0; i < maxEpisodes && this.runtimeStatus === "Running"; i++) {
      if (this.driver.pending.length === 0) {
        this.driver.completeOutstanding({ fireTimers: false });
        this.#fireRetryDelays();
      }
      if (this.driver.pending.length === 0) return this;
      await this.driver.episode();
    }
    return this;
  }

  /** Fires the orchestration's own outstanding timers (deadlines, poll intervals), then settles. */
  async fireTimers(): Promise<this> {
    for (const work of this.driver.state.outstanding())
      if (work.kind === "timer")
        this.driver.pending.push({ kind: "TimerFired", timerId: work.id, fireAt: work.fireAt });
    return this.settle();
  }

  /** Settles, firing every timer whenever nothing else is left, until the orchestration ends. */
  async runToEnd(maxRounds = 200): Promise<this> {
    await this.settle();
    for (let i = 0; i < maxRounds && this.runtimeStatus === "Running"; i++) await this.fireTimers();
    return this;
  }

  /** Raises an event by its contract name, then settles. */
  async raise(name: EventName, payload: unknown): Promise<this> {
    this.#messages += 1;
    this.driver.pending.push({
      kind: "EventRaised",
      name,
      input: JSON.stringify(payload),
      messageId: `event-${this.#messages}`,
    });
    return this.settle();
  }

  /** The host's retry delays between attempts of a failing activity (timers of a retry chain). */
  #fireRetryDelays(): void {
    for (const work of this.driver.state.outstanding()) {
      if (work.kind !== "timer" || work.chain === undefined) continue;
      if (this.driver.pending.some((m) => m.kind === "TimerFired" && m.timerId === work.id)) continue;
      this.driver.pending.push({ kind: "TimerFired", timerId: work.id, fireAt: work.fireAt });
    }
  }
}
