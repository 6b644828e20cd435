import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DevHost } from "../../../local/devhost/index.js";
import { startTestAzurite, type TestAzurite } from "../../support/azurite.js";
import { buildFixtureApp } from "./support/build.js";
import { DurableApi, type Status } from "./support/durable-api.js";
import { fixtureSettings, startFixtureHost, uniqueHubName } from "./support/fixture-host.js";

interface BindingData {
  taskHubName: string;
  rpcBaseUrl: string;
  baseUrl: string;
  requiredQueryStringParameters: string;
  managementUrls: Record<string, string>;
  creationUrls: Record<string, string>;
}

/**
 * The real host authorises the Durable extension's HTTP API (`/runtime/webhooks/durabletask/…`) with the extension's
 * system key or the master key, and gives the app's durable client an RPC endpoint of its own on 127.0.0.1 (the
 * extension's LocalHttpListener), never an unkeyed API on the app port. The devhost must do the same.
 */
describe("devhost durable HTTP API needs the system key; the app's own durable client keeps working", () => {
  let azurite: TestAzurite;
  let app: ReturnType<typeof buildFixtureApp>;
  let host: DevHost;
  let api: DurableApi;
  let webhook: string;

  beforeAll(async () => {
    azurite = await startTestAzurite();
    app = buildFixtureApp();
    ({ host } = await startFixtureHost(
      app.appRoot,
      azurite.connectionString,
      fixtureSettings({ taskHub: uniqueHubName("Keys") }),
    ));
    api = DurableApi.of(host);
    webhook = `${host.url}/runtime/webhooks/durabletask`;
  });
  afterAll(async () => {
    await host?.close();
    await azurite?.dispose();
    app?.dispose();
  });

  const status = async (res: Promise<Response>): Promise<number> => {
    const response = await res;
    await response.arrayBuffer();
    return response.status;
  };

  it("answers 401 to every operation without the system or master key, and does nothing", async () => {
    const id = await api.startId("waitForever", undefined, `keys-wait-${Date.now()}`);
    await api.waitFor(id, ["Running"]);
    const wrongKeys: Record<string, string>[] = [
      {},
      { "x-functions-key": "wrong-key-wrong-key" },
      // The function key opens authLevel "function" routes, not the extension's webhooks.
      { "x-functions-key": host.keys.functionKey },
    ];
    for (const headers of wrongKeys) {
      const started = `keys-unkeyed-${Date.now()}`;
      expect(await status(fetch(`${webhook}/orchestrators/sequence/${started}`, { method: "POST", headers }))).toBe(
        401,
      );
      expect(
        await status(
          fetch(`${webhook}/instances/${id}/raiseEvent/Go`, {
            method: "POST",
            headers: { ...headers, "content-type": "application/json" },
            body: JSON.stringify({ approver: "forged" }),
          }),
        ),
      ).toBe(401);
      expect(await status(fetch(`${webhook}/instances/${id}/terminate?reason=x`, { method: "POST", headers }))).toBe(
        401,
      );
      expect(await status(fetch(`${webhook}/instances/${id}`, { headers }))).toBe(401);
      expect(await status(fetch(`${webhook}/instances/`, { headers }))).toBe(401);
      expect(await status(fetch(`${webhook}/instances/${id}`, { method: "DELETE", headers }))).toBe(401);
      expect((await api.status(started)).status).toBe(404);
    }
    expect(await status(fetch(`${webhook}/instances/?code=wrong-key-wrong-key`))).toBe(401);
    // None of the refused requests reached the instance: it still waits, with no event in its history.
    const still = await api.status(id, "?showHistory=true");
    expect(still.body?.runtimeStatus).toBe("Running");
    expect((still.body?.historyEvents ?? []).some((e) => e.EventType === "EventRaised")).toBe(false);
    expect(await api.raise(id, "Go", "with the key")).toBe(202);
    expect((await api.waitFor(id)).output).toBe("with the key");
  });

  it("serves the API with the system key (header or code) and with the master key", async () => {
    const id = await api.startId("sequence", "keyed");
    expect((await api.waitFor(id)).output).toEqual(["Hello keyed 1", "Hello keyed 2", "Hello keyed 3"]);
    const code = encodeURIComponent(host.keys.durableSystemKey);
    const byCode = await fetch(`${webhook}/instances/${id}?code=${code}`);
    expect(byCode.status).toBe(200);
    expect(((await byCode.json()) as Status).runtimeStatus).toBe("Completed");
    const byMaster = await fetch(`${webhook}/instances/${id}`, { headers: { "x-functions-key": host.keys.masterKey } });
    expect(byMaster.status).toBe(200);
    const started = await fetch(`${webhook}/orchestrators/sequence`, {
      method: "POST",
      headers: { "x-functions-key": host.keys.masterKey },
      body: JSON.stringify("by master"),
    });
    expect(started.status).toBe(202);
    const links = (await started.json()) as { id: string; statusQueryGetUri: string };
    expect(links.statusQueryGetUri.startsWith(`${webhook}/instances/${links.id}?`)).toBe(true);
    expect((await api.waitFor(links.id)).output).toEqual([
      "Hello by master 1",
      "Hello by master 2",
      "Hello by master 3",
    ]);
  });

  it("does not serve the durable API on the app port outside the keyed webhook path", async () => {
    const id = await api.startId("waitForever", undefined, `keys-rpc-${Date.now()}`);
    await api.waitFor(id, ["Running"]);
    expect(await status(fetch(`${host.url}/durabletask/instances/`))).toBe(404);
    expect(await status(fetch(`${host.url}/durabletask/orchestrators/sequence`, { method: "POST" }))).toBe(404);
    expect(
      await status(
        fetch(`${host.url}/durabletask/instances/${id}/raiseEvent/Go`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify("forged"),
        }),
      ),
    ).toBe(404);
    expect((await api.status(id)).body?.runtimeStatus).toBe("Running");
    expect(await api.terminate(id, "done")).toBe(202);
  });

  it("gives the app's durable client the real host's binding: an RPC endpoint on its own loopback port, keyed management URLs", async () => {
    const binding = (await (await fetch(`${host.url}/api/durable-binding`)).json()) as BindingData;
    const rpc = new URL(binding.rpcBaseUrl);
    expect(rpc.protocol).toBe("http:");
    expect(rpc.hostname).toBe("127.0.0.1");
    expect(rpc.port).not.toBe(String(host.port));
    expect(rpc.pathname).toBe("/durabletask/");
    expect(rpc.search).toBe("");
    expect(binding.taskHubName).toBe(host.taskHub);
    expect(binding.baseUrl).toBe(webhook);
    expect(binding.requiredQueryStringParameters).toBe(`code=${encodeURIComponent(host.keys.durableSystemKey)}`);
    expect(new URL(binding.managementUrls.statusQueryGetUri!).origin).toBe(host.url);
    expect(new URL(binding.managementUrls.statusQueryGetUri!).searchParams.get("code")).toBe(
      host.keys.durableSystemKey,
    );
    // Like the extension's LocalHttpListener, the RPC endpoint is for the worker on this machine and takes no key.
    expect(await status(fetch(new URL("instances/", binding.rpcBaseUrl)))).toBe(200);
  });

  it("keeps the app's own path working: start, raise, status and terminate through df.getClient", async () => {
    const started = await fetch(`${host.url}/api/orchestrators/eventOrder`, { method: "POST" });
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as { id: string };
    for (const [event, data] of [
      ["A", 1],
      ["B", 2],
      ["C", 3],
    ] as const) {
      const raised = await fetch(`${host.url}/api/client/raise/${id}/${event}`, {
        method: "POST",
        body: JSON.stringify(data),
      });
      expect(raised.status).toBe(202);
    }
    expect((await api.waitFor(id)).output).toEqual([1, 2, 3]);
    const viaClient = await fetch(`${host.url}/api/client/status/${id}`);
    expect(viaClient.status).toBe(200);
    expect(((await viaClient.json()) as { runtimeStatus: string }).runtimeStatus).toBe("Completed");
    const waiting = await fetch(`${host.url}/api/orchestrators/waitForever`, { method: "POST" });
    const { id: waitingId } = (await waiting.json()) as { id: string };
    await api.waitFor(waitingId, ["Running"]);
    expect((await fetch(`${host.url}/api/client/terminate/${waitingId}`, { method: "POST" })).status).toBe(202);
    expect((await api.waitFor(waitingId)).runtimeStatus).toBe("Terminated");
  });
});
