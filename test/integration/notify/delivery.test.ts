import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TableClient } from "@azure/data-tables";
import { DefaultAzureCredential } from "@azure/identity";
import { startIdentityServer, type IdentityServer } from "../../../local/identity/server.js";
import { startNotifyReceiver, type NotifyReceiver } from "../../../local/notify-receiver/server.js";
import { startEventGridStandIn, type EventGridStandIn } from "../../../local/eventgrid/server.js";
import { LOCAL_SUBSCRIPTIONS, localNotifySettings } from "../../../local/stack/compose.js";
import { buildNotifier, notifySettings, type Notifier, type StartDelivery } from "../../../src/notify/index.js";
import type { NotifyEventInput, NotifyRequest } from "../../../src/pipeline/contract/index.js";
import { startTestAzurite, type TestAzurite } from "../../support/azurite.js";
import { localStateRoot } from "../../support/paths.js";
import { useIdentityEndpointInProcess } from "../../../local/identity/process-environment.js";

/**
 * The notifier against real parts: Azurite for the delivery ledger, the local receiver, the Event Grid stand-in with
 * tokens from the local managed-identity endpoint.
 */
describe("notification delivery", () => {
  let identity: IdentityServer;
  let azurite: TestAzurite;
  let receiver: NotifyReceiver;
  let eventGrid: EventGridStandIn;
  let notifier: Notifier;
  let deadLetters: TableClient;

  beforeAll(async () => {
    identity = await startIdentityServer();
    useIdentityEndpointInProcess(identity);
    azurite = await startTestAzurite();
    const secret = `whsec_${Buffer.from("0123456789abcdef0123456789abcdef").toString("base64")}`;
    receiver = await startNotifyReceiver({ webhookSecret: secret });
    eventGrid = await startEventGridStandIn({ caDir: localStateRoot("tls"), identity });
    const settings = notifySettings({
      ...localNotifySettings(receiver, eventGrid, secret),
    })!;
    const table = (name: string) =>
      TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true });
    deadLetters = table("TestNotifyDeadLetters");
    notifier = buildNotifier({
      settings,
      credential: () => new DefaultAzureCredential(),
      deliveries: table("TestNotifications"),
      deadLetters,
      resourceIds: new Map(),
      now: () => new Date(),
      warn: () => undefined,
    }).notifier;
  });
  afterAll(async () => {
    await eventGrid?.stop();
    await receiver?.stop();
    await azurite?.dispose();
    await identity?.close();
  });

  const request = (instanceId: string): NotifyRequest => ({
    type: "image.quarantined",
    image: { loginServer: "localhost:5000", repository: "team/app", digest: `sha256:${"c".repeat(64)}` },
    instanceId,
    round: "2026-01-01T00:00:00.000Z",
    at: "2026-01-01T00:00:00.000Z",
    facts: {},
  });

  /** Starts each delivery once per instance id, as startOrchestrationOnce does against the durable client. */
  function fakeDurable() {
    const started = new Map<string, NotifyEventInput>();
    const start: StartDelivery = async (instanceId, input) => {
      await new Promise((r) => setImmediate(r));
      if (started.has(instanceId)) return false;
      started.set(instanceId, input);
      return true;
    };
    return { started, start };
  }

  it("100 duplicate triggers at once → one delivery per event id at every sink", async () => {
    const durable = fakeDurable();
    const results = await Promise.all(
      Array.from({ length: 100 }, () => notifier.handOff(request("qp-dup"), durable.start)),
    );
    const sinks = Object.keys(LOCAL_SUBSCRIPTIONS.sinks).length;
    expect(new Set(results.map((r) => r.eventId)).size).toBe(1);
    const id = results[0]!.eventId;
    // The hand-off: one delivery orchestration per event id, to every sink, whatever the number of triggers.
    expect(results.reduce((n, r) => n + r.started, 0)).toBe(sinks);
    expect(results.every((r) => r.sinks === sinks && r.error === undefined)).toBe(true);
    expect([...durable.started.keys()]).toEqual([id]);
    const handed = durable.started.get(id)!;
    expect([...handed.sinks].sort()).toEqual(Object.keys(LOCAL_SUBSCRIPTIONS.sinks).sort());
    // The sends: even 100 concurrent attempts of each sink's delivery (at-least-once activities) send once per sink.
    const answers = await Promise.all(
      handed.sinks.flatMap((sink) =>
        Array.from({ length: 100 }, () => notifier.attempt({ request: handed.request, eventId: id, sink })),
      ),
    );
    expect(answers.filter((a) => a.outcome === "delivered")).toHaveLength(sinks);
    expect(answers.filter((a) => a.outcome === "duplicate")).toHaveLength(100 * sinks - sinks);
    for (const sink of ["webhook", "teams", "slack"])
      expect(receiver.deliveries.filter((d) => d.sink === sink && d.raw.includes("team/app"))).toHaveLength(1);
    expect(receiver.deliveries.find((d) => d.sink === "webhook")!.headers["webhook-id"]).toBe(id);
    expect(eventGrid.events.filter((e) => e.id === id)).toHaveLength(1);
    expect(eventGrid.refused).toEqual([]);
  });

  it("a sink that is down: each attempt throws for the durable retry, then one dead letter; nothing after it", async () => {
    const durable = fakeDurable();
    receiver.failWith = 500;
    try {
      const handed = await notifier.handOff(request("qp-down"), durable.start);
      const started = durable.started.get(handed.eventId)!;
      const input = { request: started.request, eventId: handed.eventId, sink: "webhook" };
      // One HTTP request per attempt (the retries are durable, not in-process), each a retryable failure.
      const before = receiver.attempts.length;
      await expect(notifier.attempt(input)).rejects.toMatchObject({ retryable: true, status: 500 });
      await expect(notifier.attempt(input)).rejects.toMatchObject({ retryable: true, status: 500 });
      expect(receiver.attempts.length - before).toBe(2);
      await notifier.deadLetter({ request: input.request, eventId: input.eventId, sink: "webhook" });
      const rows: Array<{ sink: string; eventId: string; error: string; attempts: number }> = [];
      for await (const row of deadLetters.listEntities<{
        sink: string;
        eventId: string;
        error: string;
        attempts: number;
      }>())
        if (row.eventId === handed.eventId) rows.push(row);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ sink: "webhook", attempts: 2 });
      expect(rows[0]!.error).toMatch(/answered 500/);
      expect(rows[0]!.error).not.toMatch(/127\.0\.0\.1|hooks\//);
      // A dead letter is final: an attempt after it (a stray redelivery) sends nothing.
      receiver.failWith = undefined;
      expect(await notifier.attempt(input)).toEqual({ outcome: "duplicate" });
      expect(receiver.deliveries.filter((d) => d.raw.includes(handed.eventId) && d.sink === "webhook")).toHaveLength(0);
      // A refusal the sink will not get over (4xx) is answered, not thrown: no retry for it.
      receiver.failWith = 400;
      const refused = await notifier.attempt({ ...input, sink: "teams" });
      expect(refused).toMatchObject({ outcome: "refused", status: 400 });
    } finally {
      receiver.failWith = undefined;
    }
  });

  describe("the Event Grid stand-in checks what Event Grid checks", () => {
    const batch = JSON.stringify([{ specversion: "1.0", id: "1", source: "/s", type: "t" }]);
    const post = (headers: Record<string, string>, body = batch, path = "?api-version=2018-01-01") =>
      fetch(`${eventGrid.endpoint}${path}`, { method: "POST", headers, body });
    const token = async (scope: string) => (await new DefaultAzureCredential().getToken(scope)).token;
    const cloudEvents = { "content-type": "application/cloudevents-batch+json; charset=utf-8" };

    it("accepts a managed identity token for https://eventgrid.azure.net", async () => {
      const response = await post({
        ...cloudEvents,
        authorization: `Bearer ${await token("https://eventgrid.azure.net/.default")}`,
      });
      expect(response.status).toBe(200);
    });

    it("refuses no token, a token for another audience, and access keys (local auth is disabled)", async () => {
      expect((await post(cloudEvents)).status).toBe(401);
      const arm = await token("https://management.azure.com/.default");
      expect((await post({ ...cloudEvents, authorization: `Bearer ${arm}` })).status).toBe(401);
      expect((await post({ ...cloudEvents, "aeg-sas-key": "key" })).status).toBe(401);
    });

    it("refuses another content type, a body that is not a CloudEvents batch, and a missing api-version", async () => {
      const auth = { authorization: `Bearer ${await token("https://eventgrid.azure.net/.default")}` };
      expect((await post({ ...auth, "content-type": "application/json" })).status).toBe(400);
      expect((await post({ ...auth, ...cloudEvents }, JSON.stringify({ id: "1" }))).status).toBe(400);
      expect(
        (
          await post(
            { ...auth, ...cloudEvents },
            JSON.stringify([{ specversion: "0.3", id: "1", source: "/s", type: "t" }]),
          )
        ).status,
      ).toBe(400);
      expect(
        (await post({ ...auth, ...cloudEvents }, JSON.stringify([{ specversion: "1.0", source: "/s", type: "t" }])))
          .status,
      ).toBe(400);
      expect((await post({ ...auth, ...cloudEvents }, batch, "")).status).toBe(400);
      const big = JSON.stringify([
        { specversion: "1.0", id: "1", source: "/s", type: "t", data: "x".repeat(1024 * 1024) },
      ]);
      expect((await post({ ...auth, ...cloudEvents }, big)).status).toBe(413);
    });
  });
});
