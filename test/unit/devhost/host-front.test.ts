import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { sendJson } from "../../../local/http/respond.js";
import { readBody } from "../../../local/http/body.js";
import { startHostServer, type HostArea, type RunningHostServer } from "../../../local/devhost/http/host-server.js";
import type { HostLogger } from "../../../local/devhost/invoke/logger.js";
import { completeAnswer } from "../../../bench/webhook-sender.js";

/**
 * The devhost's HTTP front (local/devhost/http/front-worker.mjs): HTTP on a worker thread, areas on this one. These
 * run the real worker thread and real sockets; only the areas are written for the test.
 */

const errors: string[] = [];
const logger = {
  error: (_category: string, message: string) => errors.push(message),
  warn: () => undefined,
  info: () => undefined,
} as unknown as HostLogger;

let running: RunningHostServer | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
  errors.length = 0;
});

function area(name: string, handle: HostArea["handle"]): HostArea {
  return { name, claims: () => true, handle };
}

async function start(areas: HostArea[], rpcAreas: HostArea[] = []): Promise<RunningHostServer> {
  running = await startHostServer(
    [
      { name: "app", host: "127.0.0.1", port: 0, areas: () => areas },
      { name: "rpc", host: "127.0.0.1", port: 0, areas: () => rpcAreas },
    ],
    logger,
  );
  return running;
}

describe("the devhost's HTTP front", () => {
  it("hands the request over whole and writes the area's answer: status, headers, body", async () => {
    const seen: Array<{ method: string; url: string; header: unknown; body: string }> = [];
    const host = await start([
      area("echo", async (req, res) => {
        const body = await readBody(req, 1024);
        seen.push({
          method: req.method,
          url: req.url,
          header: req.headers["x-test"],
          body: body.toString("utf8"),
        });
        res.writeHead(207, { "Content-Type": "text/plain", "Set-Cookie": ["a=1", "b=2"], "Content-Length": "6" });
        res.end(Buffer.from("héllo"));
      }),
    ]);
    const response = await fetch(`http://127.0.0.1:${host.ports.app}/some/path?x=1&x=2`, {
      method: "POST",
      headers: { "x-test": "yes" },
      body: "the body é",
    });
    expect(response.status).toBe(207);
    expect(response.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    expect(await response.text()).toBe("héllo");
    expect(seen).toEqual([{ method: "POST", url: "/some/path?x=1&x=2", header: "yes", body: "the body é" }]);
  });

  it("serves each listener's own areas", async () => {
    const host = await start(
      [area("app", async (_req, res) => sendJson(res, 200, { from: "app" }))],
      [area("rpc", async (_req, res) => sendJson(res, 200, { from: "rpc" }))],
    );
    expect(await (await fetch(`http://127.0.0.1:${host.ports.app}/`)).json()).toEqual({ from: "app" });
    expect(await (await fetch(`http://127.0.0.1:${host.ports.rpc}/`)).json()).toEqual({ from: "rpc" });
  });

  it("answers the same kept buffer intact every time (answers are copied to the front, never moved)", async () => {
    const page = Buffer.alloc(64 * 1024, "p");
    const host = await start([area("page", async (_req, res) => res.writeHead(200).end(page))]);
    for (let i = 0; i < 3; i++) {
      const body = Buffer.from(await (await fetch(`http://127.0.0.1:${host.ports.app}/`)).arrayBuffer());
      expect(body.equals(page)).toBe(true);
    }
    expect(page.length).toBe(64 * 1024);
  });

  it("refuses a body over the host's 100 MB limit with 413 before anything reaches the areas", async () => {
    let reached = 0;
    const host = await start([area("any", async (_req, res) => (reached++, sendJson(res, 200, {})))]);
    const answer = await rawExchange(
      host.ports.app!,
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 104857601\r\nConnection: close\r\n\r\n",
    );
    expect(answer.status).toBe(413);
    expect(reached).toBe(0);
  });

  it("a failing area gets 500 and the host keeps serving; an area that never answers gets 500 too", async () => {
    const host = await start([
      area("flaky", async (req, res) => {
        if (req.url === "/throw") throw new Error("boom");
        if (req.url === "/silent") return;
        sendJson(res, 200, { ok: true });
      }),
    ]);
    const base = `http://127.0.0.1:${host.ports.app}`;
    expect((await fetch(`${base}/throw`)).status).toBe(500);
    expect((await fetch(`${base}/silent`)).status).toBe(500);
    expect((await fetch(`${base}/fine`)).status).toBe(200);
    expect(errors.some((line) => line.includes("boom"))).toBe(true);
    expect(errors.some((line) => line.includes("finished without an answer"))).toBe(true);
  });

  it("drops the connection when an area fails after writing the head", async () => {
    const host = await start([
      area("half", async (_req, res) => {
        res.writeHead(200, { "Content-Type": "text/plain" });
        throw new Error("after the head");
      }),
    ]);
    await expect(fetch(`http://127.0.0.1:${host.ports.app}/`)).rejects.toThrow();
  });

  it("keeps serving after a client goes away mid-answer", async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const host = await start([
      area("slow", async (req, res) => {
        if (req.url === "/slow") await held;
        sendJson(res, 200, { url: req.url });
      }),
    ]);
    const socket = connect(host.ports.app!, "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.destroy();
    release();
    const response = await fetch(`http://127.0.0.1:${host.ports.app}/next`);
    expect(await response.json()).toEqual({ url: "/next" });
  });

  it("closes one listener and keeps the other serving until the host closes", async () => {
    const host = await start(
      [area("app", async (_req, res) => sendJson(res, 200, {}))],
      [area("rpc", async (_req, res) => sendJson(res, 200, { rpc: true }))],
    );
    await host.closeListener("app");
    await expect(fetch(`http://127.0.0.1:${host.ports.app}/`)).rejects.toThrow();
    expect(await (await fetch(`http://127.0.0.1:${host.ports.rpc}/`)).json()).toEqual({ rpc: true });
    await host.close();
    await expect(fetch(`http://127.0.0.1:${host.ports.rpc}/`)).rejects.toThrow();
  });

  it("fails to start with the listener's error when the port is taken", async () => {
    const first = await start([]);
    await expect(
      startHostServer([{ name: "app", host: "127.0.0.1", port: first.ports.app!, areas: () => [] }], logger),
    ).rejects.toMatchObject({ code: "EADDRINUSE" });
  });
});

/** Sends raw bytes and reads the answer's status with the bench sender's own parser. */
function rawExchange(port: number, bytes: string): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, "127.0.0.1", () => socket.write(bytes));
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("end", () => {
      const answer = completeAnswer(Buffer.concat(chunks), true);
      if (answer) resolve(answer);
      else reject(new Error("no answer"));
    });
  });
}

describe("the bench sender's answer parser", () => {
  const head = "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 4\r\n\r\n";
  it("waits for the whole Content-Length body", () => {
    expect(completeAnswer(Buffer.from(head + "ab"), false)).toBeUndefined();
    expect(completeAnswer(Buffer.from(head + "abcd"), false)).toEqual({ status: 202 });
    expect(completeAnswer(Buffer.from(head.slice(0, 20)), false)).toBeUndefined();
  });
  it("takes a length-less answer as complete only once the server closed", () => {
    const chunked = "HTTP/1.1 500 Internal\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
    expect(completeAnswer(Buffer.from(chunked), false)).toBeUndefined();
    expect(completeAnswer(Buffer.from(chunked), true)).toEqual({ status: 500 });
  });
  it("refuses bytes that are not an HTTP/1.x answer", () => {
    expect(() => completeAnswer(Buffer.from("SSH-2.0-x\r\n\r\n"), true)).toThrow(/not an HTTP\/1.1 answer/);
  });
});
