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

/** The Durable HTTP API of a devhost, as the durable client binding's rpcBaseUrl exposes it. */
export class DurableApi {
  constructor(readonly baseUrl: string) {}

  static of(hostUrl: string): DurableApi {
    return new DurableApi(`${hostUrl}/durabletask/`);
  }

  async start(name: string, input?: unknown, instanceId?: string): Promise<Response> {
    return fetch(
      new URL(`orchestrators/${name}${instanceId ? `/${encodeURIComponent(instanceId)}` : ""}`, this.baseUrl),
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: input === undefined ? undefined : JSON.stringify(input),
      },
    );
  }

  async startId(name: string, input?: unknown, instanceId?: string): Promise<string> {
    const res = await this.start(name, input, instanceId);
    if (res.status !== 202) throw new Error(`start ${name} answered ${res.status}: ${await res.text()}`);
    return ((await res.json()) as { id: string }).id;
  }

  async status(instanceId: string, query = ""): Promise<{ status: number; body?: Status }> {
    const res = await fetch(new URL(`instances/${encodeURIComponent(instanceId)}${query}`, this.baseUrl));
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Status) : undefined };
  }

  async raise(instanceId: string, event: string, data: unknown): Promise<number> {
    const res = await fetch(new URL(`instances/${encodeURIComponent(instanceId)}/raiseEvent/${event}`, this.baseUrl), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(data),
    });
    return res.status;
  }

  async terminate(instanceId: string, reason: string): Promise<number> {
    const res = await fetch(
      new URL(
        `instances/${encodeURIComponent(instanceId)}/terminate?reason=${encodeURIComponent(reason)}`,
        this.baseUrl,
      ),
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
