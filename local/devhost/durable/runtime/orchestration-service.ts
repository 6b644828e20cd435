import { randomUUID } from "node:crypto";
import type { FunctionRegistry } from "../../app/registry.js";
import type { Invoker } from "../../invoke/invoker.js";
import type { HostLogger } from "../../invoke/logger.js";
import type { HostClock } from "../../util/host-clock.js";
import { Semaphore } from "../../util/semaphore.js";
import type { ExecutionState, ScheduledWork, StoredEvent } from "../replay/execution-state.js";
import { isTerminal, type ParentInstance, type RuntimeStatus } from "../replay/history.js";
import { InstanceActor } from "./instance-actor.js";
import { instanceIdProblem, newExecutionId, newInstanceId } from "./instance-id.js";
import type { InstanceMessage } from "../replay/messages.js";
import { ConflictError, type DurableStore, type InstanceQuery, type InstanceRecord } from "../store/table-store.js";
import { WallClockTimers } from "./wall-clock-timers.js";
import { WorkDispatcher, type WorkOwner } from "./work-dispatcher.js";

export interface OrchestrationServiceOptions {
  store: DurableStore;
  invoker: Invoker;
  registry: FunctionRegistry;
  logger: HostLogger;
  maxConcurrentActivityFunctions: number;
  maxConcurrentOrchestratorFunctions: number;
  /** The host clock: episodes, durable timers and instance times read it. */
  clock: HostClock;
}

/** A client request that cannot be served, with the HTTP status the extension would answer. */
export class ClientError extends Error {
  constructor(
    readonly status: 400 | 404 | 409 | 410,
    message: string,
  ) {
    super(message);
  }
}

const ACTIVE_STATUSES: RuntimeStatus[] = ["Pending", "Running", "ContinuedAsNew", "Suspended"];
/** Checkpoints in flight at once: enough to keep Azurite busy, few enough not to flood it with connections. */
const STORAGE_CONCURRENCY = 32;

/**
 * The Durable side of the host: keeps an actor per active instance, recovers every active instance from storage on
 * start, runs activities/timers/sub-orchestrations through the work dispatcher, and implements the client operations
 * behind the durableClient binding's HTTP API.
 */
export class OrchestrationService {
  readonly #options: OrchestrationServiceOptions;
  readonly #actors = new Map<string, Promise<InstanceActor | undefined>>();
  readonly #timers: WallClockTimers;
  readonly #work: WorkDispatcher;
  readonly #orchestratorSlots: Semaphore;
  readonly #storageSlots = new Semaphore(STORAGE_CONCURRENCY);
  #closing = false;

  constructor(options: OrchestrationServiceOptions) {
    this.#options = options;
    this.#orchestratorSlots = new Semaphore(options.maxConcurrentOrchestratorFunctions);
    this.#timers = new WallClockTimers(options.clock);
    this.#work = new WorkDispatcher({
      invoker: options.invoker,
      registry: options.registry,
      activitySlots: new Semaphore(options.maxConcurrentActivityFunctions),
      timers: this.#timers,
      logger: options.logger,
      startChild: (owner, state, work) => this.#startChild(owner, state, work),
    });
  }

  /** Resumes every instance that was pending or running when the host last stopped. */
  async start(): Promise<number> {
    const active = await this.#options.store.allInstances(ACTIVE_STATUSES);
    const loading = new Semaphore(8);
    await Promise.all(active.map((record) => loading.run(() => this.#activate(record.instanceId))));
    if (active.length > 0)
      this.#options.logger.info("Host.Durable", `Resumed ${active.length} orchestration instance(s) from storage.`);
    return active.length;
  }

  async close(): Promise<void> {
    this.#closing = true;
    this.#timers.clear();
    const actors = await Promise.all([...this.#actors.values()]);
    await Promise.allSettled(actors.map((a) => a?.shutdown()));
  }

  get activeInstances(): number {
    return this.#actors.size;
  }

  async startNew(functionName: string, requestedId: string | undefined, input: string | undefined): Promise<string> {
    const fn = this.#options.registry.get(functionName);
    if (!fn || fn.kind !== "orchestration") {
      throw new ClientError(
        400,
        `The function '${functionName}' doesn't exist, is disabled, or is not an orchestrator function.`,
      );
    }
    const instanceId = requestedId ?? newInstanceId();
    const problem = instanceIdProblem(instanceId);
    if (problem) throw new ClientError(400, problem);
    const record = await this.#createInstance({ instanceId, name: fn.name, input });
    this.#options.logger.info("Host.Durable", `Started orchestration ${fn.name} with instance id ${instanceId}.`);
    void this.#activate(instanceId, record);
    return instanceId;
  }

  async getInstance(instanceId: string): Promise<InstanceRecord | undefined> {
    if (instanceIdProblem(instanceId)) return undefined;
    return this.#options.store.getInstance(instanceId);
  }

  async history(record: InstanceRecord): Promise<StoredEvent[]> {
    return (await this.#options.store.history.load(record.instanceId, record.executionId)).rows;
  }

  query(query: InstanceQuery): ReturnType<DurableStore["queryInstances"]> {
    return this.#options.store.queryInstances(query);
  }

  async raiseEvent(instanceId: string, eventName: string, input: string | undefined): Promise<void> {
    const record = await this.#requireActive(instanceId);
    const messageId = inboxMessageId();
    await this.#options.store.addInbox(record.instanceId, { messageId, kind: "EventRaised", name: eventName, input });
    await this.#deliver(record.instanceId, { kind: "EventRaised", name: eventName, input, messageId });
  }

  async terminate(instanceId: string, reason: string | undefined): Promise<void> {
    const record = await this.#requireActive(instanceId);
    const messageId = inboxMessageId();
    await this.#options.store.addInbox(record.instanceId, { messageId, kind: "Terminate", reason });
    await this.#deliver(record.instanceId, { kind: "Terminate", reason, messageId });
  }

  /** Deletes a finished instance's row, history and inbox; running instances must be terminated first. */
  async purge(instanceId: string): Promise<number> {
    const record = await this.getInstance(instanceId);
    if (!record) return 0;
    if (!isTerminal(record.runtimeStatus)) {
      throw new ClientError(
        409,
        `Instance '${instanceId}' is ${record.runtimeStatus}; terminate it before purging its history.`,
      );
    }
    const { store } = this.#options;
    await store.history.delete(instanceId);
    await store.deleteInbox(instanceId);
    await store.deleteInstance(instanceId);
    return 1;
  }

  async purgeWhere(query: Omit<InstanceQuery, "pageSize" | "continuationToken">): Promise<number> {
    const statuses = (query.statuses ?? []).filter((s) => isTerminal(s));
    if (query.statuses && query.statuses.length > 0 && statuses.length === 0) return 0;
    let deleted = 0;
    let continuationToken: string | undefined;
    do {
      const page = await this.#options.store.queryInstances({
        ...query,
        statuses: statuses.length > 0 ? statuses : undefined,
        continuationToken,
        pageSize: 500,
      });
      for (const record of page.items)
        if (isTerminal(record.runtimeStatus)) deleted += await this.purge(record.instanceId);
      continuationToken = page.continuationToken;
    } while (continuationToken);
    return deleted;
  }

  async #requireActive(instanceId: string): Promise<InstanceRecord> {
    const record = await this.getInstance(instanceId);
    if (!record) throw new ClientError(404, `No instance with ID '${instanceId}' found.`);
    if (isTerminal(record.runtimeStatus))
      throw new ClientError(410, `Instance '${instanceId}' is ${record.runtimeStatus}.`);
    return record;
  }

  /** Creates (or restarts a finished) instance row; a pending or running instance with that id is refused. */
  async #createInstance(init: {
    instanceId: string;
    name: string;
    input: string | undefined;
    parent?: ParentInstance;
  }): Promise<InstanceRecord> {
    const { store } = this.#options;
    const now = this.#options.clock.now();
    const record: InstanceRecord = {
      instanceId: init.instanceId,
      name: init.name,
      executionId: newExecutionId(),
      runtimeStatus: "Pending",
      input: init.input,
      customStatus: null,
      createdTime: now,
      lastUpdatedTime: now,
      parent: init.parent,
    };
    try {
      // Most ids are new: try the insert first and look at the existing row only when there is one.
      record.etag = await store.putInstance(record, { create: true });
      return record;
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
    }
    const existing = await store.getInstance(init.instanceId);
    if (existing && !isTerminal(existing.runtimeStatus)) {
      throw new ClientError(
        409,
        `An orchestration instance with ID '${init.instanceId}' already exists and is ${existing.runtimeStatus}.`,
      );
    }
    try {
      await store.deleteInbox(init.instanceId);
      record.etag = existing
        ? await store.putInstance(record, { etag: existing.etag ?? "*" })
        : await store.putInstance(record, { create: true });
      void store.history.delete(init.instanceId, record.executionId).catch(() => undefined);
      return record;
    } catch (error) {
      if (error instanceof ConflictError)
        throw new ClientError(409, `An orchestration instance with ID '${init.instanceId}' was created concurrently.`);
      throw error;
    }
  }

  /** The actor of an instance, loading it from storage (or taking `created`, a row this host just wrote) when needed. */
  #activate(instanceId: string, created?: InstanceRecord): Promise<InstanceActor | undefined> {
    const existing = this.#actors.get(instanceId);
    if (existing && !created) return existing;
    const loading = (async () => {
      const actor = new InstanceActor(instanceId, {
        store: this.#options.store,
        invoker: this.#options.invoker,
        registry: this.#options.registry,
        logger: this.#options.logger,
        clock: this.#options.clock,
        orchestratorSlots: this.#orchestratorSlots,
        storageSlots: this.#storageSlots,
        work: this.#work,
        retire: (id) => this.#actors.delete(id),
        notifyParent: (parent, message) => void this.#notifyParent(parent, message),
      });
      try {
        if (created) {
          await existing;
          actor.initNew(created);
        } else if (this.#closing || !(await actor.load())) {
          this.#actors.delete(instanceId);
          return undefined;
        }
      } catch (error) {
        this.#actors.delete(instanceId);
        this.#options.logger.error(
          "Host.Durable",
          `Could not load instance ${instanceId}: ${(error as Error).message}`,
        );
        return undefined;
      }
      actor.activate();
      return actor;
    })();
    this.#actors.set(instanceId, loading);
    return loading;
  }

  async #deliver(instanceId: string, message: InstanceMessage, executionId?: string): Promise<void> {
    if (this.#closing) return;
    const actor = await this.#activate(instanceId);
    actor?.deliver(message, executionId);
  }

  async #notifyParent(parent: ParentInstance, message: InstanceMessage): Promise<void> {
    await this.#deliver(parent.instanceId, message, parent.executionId);
  }

  async #startChild(
    owner: WorkOwner,
    state: ExecutionState,
    work: Extract<ScheduledWork, { kind: "suborchestration" }>,
  ): Promise<void> {
    const fail = (reason: string): void =>
      owner.deliver(
        { kind: "SubOrchestrationFailed", taskScheduledId: work.id, reason, details: reason },
        state.executionId,
      );
    const fn = this.#options.registry.get(work.name);
    if (!fn || fn.kind !== "orchestration") {
      fail(`The function '${work.name}' doesn't exist, is disabled, or is not an orchestrator function.`);
      return;
    }
    const chain = work.chain !== undefined ? state.chains.get(work.chain) : undefined;
    if (chain?.stopped && (work.attempt ?? 1) > 1) {
      fail(chain.lastFailure?.reason ?? `Sub-orchestration '${work.name}' failed: retry timeout exceeded`);
      return;
    }
    const parent: ParentInstance = {
      instanceId: owner.instanceId,
      executionId: state.executionId,
      taskScheduledId: work.id,
      name: state.name,
    };
    const existing = await this.#options.store.getInstance(work.instanceId);
    const ours =
      existing?.parent?.instanceId === parent.instanceId &&
      existing.parent.executionId === parent.executionId &&
      existing.parent.taskScheduledId === parent.taskScheduledId;
    if (existing && ours) {
      if (!isTerminal(existing.runtimeStatus)) {
        await this.#activate(work.instanceId);
        return;
      }
      // The child finished while the host was down; hand its result to the parent now.
      await this.#notifyParent(
        parent,
        existing.runtimeStatus === "Completed"
          ? { kind: "SubOrchestrationCompleted", taskScheduledId: work.id, result: existing.output ?? "null" }
          : {
              kind: "SubOrchestrationFailed",
              taskScheduledId: work.id,
              reason: existing.output ?? existing.runtimeStatus,
              details: existing.output ?? "",
            },
      );
      return;
    }
    try {
      const record = await this.#createInstance({
        instanceId: work.instanceId,
        name: fn.name,
        input: work.input,
        parent,
      });
      await this.#activate(work.instanceId, record);
    } catch (error) {
      if (error instanceof ClientError) {
        fail(error.message);
        return;
      }
      throw error;
    }
  }
}

let inboxSequence = 0;

/**
 * Inbox row keys sort by arrival (time, then a per-process counter), so messages apply in the order they were accepted.
 * The real time, not the host clock: the key only orders messages, and messages left from a run with an advanced clock
 * must not sort after those of a later run without it.
 */
function inboxMessageId(): string {
  inboxSequence = (inboxSequence + 1) % 1e9;
  return `${Date.now().toString().padStart(15, "0")}.${inboxSequence.toString().padStart(9, "0")}.${randomUUID()}`;
}
