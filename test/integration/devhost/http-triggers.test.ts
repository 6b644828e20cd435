import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DevHost, LogEntry } from "../../../local/devhost/index.js";
import { startTestAzurite, type TestAzurite } from "../../support/azurite.js";
import { buildFixtureApp } from "./support/build.js";
import { fixtureSettings, startFixtureHost, uniqueHubName } from "./support/fixture-host.js";

describe("devhost HTTP triggers (fixture app)", () => {
  let azurite: TestAzurite;
  let app: ReturnType<typeof buildFixtureApp>;
  let host: DevHost;
  let logs: LogEntry[];

  beforeAll(async () => {
    azurite = await startTestAzurite();
    app = buildFixtureApp();
    writeFileSync(
      join(app.appRoot, "local.settings.json"),
      JSON.stringify({
        IsEncrypted: false,
        Values: { FIXTURE_FROM_FILE: "file", FIXTURE_ENV_WINS: "file", FIXTURE_OVERRIDDEN: "file" },
      }),
    );
    process.env.FIXTURE_ENV_WINS = "environment";
    const settings = fixtureSettings({ taskHub: uniqueHubName("Http"), extra: { FIXTURE_OVERRIDDEN: "programmatic" } });
    ({ host, logs } = await startFixtureHost(app.appRoot, azurite.connectionString, settings));
  });
  afterAll(async () => {
    await host?.close();
    await azurite?.dispose();
    app?.dispose();
  });

  it("routes a template with a constraint and converts headers, query, params, body and cookies", async () => {
    const res = await fetch(`${host.url}/api/hello/Ada?punct=!`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("Hello, Ada!");
    expect(res.headers.get("x-fixture")).toBe("hello");
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    const cookies = res.headers.getSetCookie();
    expect(cookies).toContain("session=a%20b; Max-Age=60; Path=/; HttpOnly; SameSite=Strict");
    expect(cookies).toContain("theme=dark");
  });

  it("passes method, int-constrained and catch-all params, repeated query values and the raw body", async () => {
    const res = await fetch(`${host.url}/api/echo/42/a/b%20c?x=1&x=2&y=z`, {
      method: "PUT",
      headers: { "content-type": "application/json", "x-custom": "yes" },
      body: JSON.stringify({ hello: "world" }),
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      method: "PUT",
      params: { id: "42", rest: "a/b c" },
      query: { x: "1,2", y: "z" },
      contentType: "application/json",
      custom: "yes",
      body: '{"hello":"world"}',
      functionName: "echo",
    });
    expect(String(body.url)).toBe(`${host.url}/api/echo/42/a/b%20c?x=1&x=2&y=z`);
    expect(logs.some((l) => l.category === "Function.echo.User" && l.message === "echo 42")).toBe(true);
  });

  it("answers 404 for unknown routes and for constraint mismatches, 405 with Allow for a wrong method", async () => {
    expect((await fetch(`${host.url}/api/nope`)).status).toBe(404);
    expect((await fetch(`${host.url}/api/hello/Ada1`)).status).toBe(404);
    expect((await fetch(`${host.url}/api/echo/notanumber/x`, { method: "POST" })).status).toBe(404);
    expect((await fetch(`${host.url}/outside-the-prefix`)).status).toBe(404);
    const wrong = await fetch(`${host.url}/api/hello/Ada`, { method: "POST" });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("GET");
  });

  it("prefers literal segments over parameters and fills optional parameters", async () => {
    expect(await (await fetch(`${host.url}/api/items/books/latest`)).json()).toEqual({ latest: true });
    expect(await (await fetch(`${host.url}/api/items/books/7`)).json()).toEqual({
      params: { category: "books", id: "7" },
    });
    expect(await (await fetch(`${host.url}/api/items/books`)).json()).toEqual({ params: { category: "books" } });
  });

  it("uses the function name as the default route, with @azure/functions' default methods (GET, POST)", async () => {
    const res = await fetch(`${host.url}/api/defaultRoute`, { method: "POST" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ method: "POST" });
    expect((await fetch(`${host.url}/api/DEFAULTROUTE`)).status).toBe(200);
    expect((await fetch(`${host.url}/api/defaultRoute`, { method: "DELETE" })).status).toBe(405);
  });

  it("enforces authLevel: function keys from x-functions-key or code, admin needs the master key", async () => {
    expect((await fetch(`${host.url}/api/secure`)).status).toBe(401);
    expect((await fetch(`${host.url}/api/secure?code=wrong`)).status).toBe(401);
    expect(
      (await fetch(`${host.url}/api/secure`, { headers: { "x-functions-key": host.keys.functionKey } })).status,
    ).toBe(200);
    expect((await fetch(`${host.url}/api/secure?code=${encodeURIComponent(host.keys.masterKey)}`)).status).toBe(200);
    expect(
      (await fetch(`${host.url}/api/admin-only`, { headers: { "x-functions-key": host.keys.functionKey } })).status,
    ).toBe(401);
    expect(
      (await fetch(`${host.url}/api/admin-only`, { headers: { "x-functions-key": host.keys.masterKey } })).status,
    ).toBe(200);
  });

  it("turns a throwing handler into a 500 carrying the invocation id, and logs the error with that id", async () => {
    const res = await fetch(`${host.url}/api/boom`);
    expect(res.status).toBe(500);
    const body = (await res.json()) as { invocationId: string; error: string };
    expect(body.invocationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get("x-ms-invocation-id")).toBe(body.invocationId);
    const failure = logs.find((l) => l.level === "error" && l.invocationId === body.invocationId);
    expect(failure?.message).toContain("kaboom");
    expect(failure?.message).toContain(`Failed, Id=${body.invocationId}`);
    expect((await fetch(`${host.url}/api/hello/StillAlive`)).status).toBe(200);
  });

  it("reads local.settings.json like Core Tools (the environment wins) and lets programmatic settings win over both", async () => {
    const value = async (name: string): Promise<unknown> =>
      ((await (await fetch(`${host.url}/api/fixture/setting/${name}`)).json()) as { value: unknown }).value;
    expect(await value("FIXTURE_FROM_FILE")).toBe("file");
    expect(await value("FIXTURE_ENV_WINS")).toBe("environment");
    expect(await value("FIXTURE_OVERRIDDEN")).toBe("programmatic");
    expect(await value("AzureWebJobsStorage")).toBe(azurite.connectionString);
  });

  it("answers 204 when a handler returns nothing", async () => {
    const res = await fetch(`${host.url}/api/nothing`);
    expect(res.status).toBe(204);
  });

  it("runs app hooks: appStart once, pre/post invocation around every call", async () => {
    const before = (await (await fetch(`${host.url}/api/fixture/state`)).json()) as {
      hooks: { pre: number; post: number; appStart: number };
    };
    await fetch(`${host.url}/api/hello/Hooks`);
    const after = (await (await fetch(`${host.url}/api/fixture/state`)).json()) as {
      hooks: { pre: number; post: number; appStart: number };
    };
    expect(after.hooks.appStart).toBe(1);
    expect(after.hooks.pre - before.hooks.pre).toBe(2);
    expect(after.hooks.post - before.hooks.post).toBe(2);
  });
});
