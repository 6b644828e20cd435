import { eventually } from "./fixture-host.js";

export interface Status {
  name: string;
  instanceId: string;
  runtimeStatus: string;
  input: unknown;
  output: unknown;
  customStatus: unknown;
  createdTime: string;
  lastUpdatedTime: string;
  historyEvents?: Record<string, unknown>[];
}

/** Where the API is and its key: a DevHost, or the ready line of a devhost process. */
export interface KeyedHost {
  url: string;
  keys: { durableSystemKey: string };
}

/**
 * The Durable HTTP API of a devhost, through its public webhook URLs (`/runtime/webhooks/durabletask/`), with the
 * durable system key in the `x-functions-key` header (kept out of URLs), as a management client of the real host calls it.
 */
export class DurableApi {
  readonly #key: string;

  constructor(
    readonly baseUrl: string,
    key: string,
  ) {
    this.#key = key;
  }

  static of(host: KeyedHost): DurableApi {
    return new DurableApi(`${host.url}/runtime/webhooks/durabletask/`, host.keys.durableSystemKey);
  }

  /** A request to `path` (relative to the API base) with the system key. */
  fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set("x-functions-key", this.#key);
    return fetch(new URL(path, this.baseUrl), { ...init, headers });
  }

  async start(name: string, input?: unknown, instanceId?: string): Promise<Response> {
    return this.fetch(`orchestrators/${name}${instanceId ? `/${encodeURIComponent(instanceId)}` : ""}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: input === undefined ? undefined : JSON.stringify(input),
    });
  }

  async startId(name: string, input?: unknown, instanceId?: string): Promise<string> {
    const res = await this.start(name, input, instanceId);
    if (res.status !== 202) throw new Error(`start ${name} answered ${res.status}: ${await res.text()}`);
    return ((await res.json()) as { id: string }).id;
  }

  async status(instanceId: string, query = ""): Promise<{ status: number; body?: Status }> {
    const res = await this.fetch(`instances/${encodeURIComponent(instanceId)}${query}`);
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Status) : undefined };
  }

  async raise(instanceId: string, event: string, data: unknown): Promise<number> {
    const res = await this.fetch(`instances/${encodeURIComponent(instanceId)}/raiseEvent/${event}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(data),
    });
    return res.status;
  }

  async terminate(instanceId: string, reason: string): Promise<number> {
    const res = await this.fetch(
      `instances/${encodeURIComponent(instanceId)}/terminate?reason=${encodeURIComponent(reason)}`,
      { method: "POST" },
    );
    return res.status;
  }

  /** Waits until the instance reaches one of `statuses` (terminal ones by default) and returns its status. */
  async waitFor(
    instanceId: string,
    statuses = ["Completed", "Failed", "Terminated"],
    query = "",
    timeoutMs = 30_000,
  ): Promise<Status> {
    return eventually(
      async () => {
        const { body } = await this.status(instanceId, query);
        return body && statuses.includes(body.runtimeStatus) ? body : undefined;
      },
      `instance ${instanceId} to reach ${statuses.join("/")}`,
      timeoutMs,
    );
  }
}
