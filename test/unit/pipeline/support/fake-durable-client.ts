import type { DurableClient } from "durable-functions";

interface Instance {
  instanceId: string;
  name: string;
  runtimeStatus: string;
  input?: unknown;
  customStatus?: unknown;
  output?: unknown;
}

/**
 * An in-memory stand-in for the Durable client, with what the pipeline's client-side code calls: status lookups
 * (404 as the real client reports it), idempotent-start races, events and termination, all recorded.
 */
export class FakeDurableClient {
  readonly instances = new Map<string, Instance>();
  readonly started: Array<{ name: string; instanceId: string; input: unknown }> = [];
  readonly events: Array<{ instanceId: string; name: string; payload: unknown }> = [];
  readonly terminated: Array<{ instanceId: string; reason: string }> = [];
  /** Makes the next startNew fail as if another caller created the instance first. */
  raceOnStart: Instance | undefined;

  put(instance: Instance): this {
    this.instances.set(instance.instanceId, instance);
    return this;
  }

  asClient(): DurableClient {
    return this as unknown as DurableClient;
  }

  async getStatus(instanceId: string): Promise<Instance> {
    const found = this.instances.get(instanceId);
    if (!found) throw new Error(`Instance ${instanceId} not found (404)`);
    return { ...found };
  }

  async getStatusBy(filter: { runtimeStatus?: string[] }): Promise<Instance[]> {
    return [...this.instances.values()].filter(
      (i) => !filter.runtimeStatus || filter.runtimeStatus.includes(i.runtimeStatus),
    );
  }

  async startNew(name: string, options: { instanceId: string; input: unknown }): Promise<string> {
    if (this.raceOnStart) {
      this.put(this.raceOnStart);
      this.raceOnStart = undefined;
      throw new Error("An instance with this id already exists (409)");
    }
    this.started.push({ name, instanceId: options.instanceId, input: options.input });
    this.put({ instanceId: options.instanceId, name, runtimeStatus: "Pending", input: options.input });
    return options.instanceId;
  }

  async raiseEvent(instanceId: string, name: string, payload: unknown): Promise<void> {
    this.events.push({ instanceId, name, payload });
  }

  async terminate(instanceId: string, reason: string): Promise<void> {
    const found = this.instances.get(instanceId);
    if (!found) throw new Error(`Instance ${instanceId} not found (404)`);
    this.terminated.push({ instanceId, reason });
    found.runtimeStatus = "Terminated";
  }
}
