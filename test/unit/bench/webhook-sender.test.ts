import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { completeAnswer, sendBurst, senderKind } from "../../../bench/webhook-sender.js";

/**
 * bench:pipeline's webhook sender (bench/webhook-sender.ts): raw HTTP/1.1, one connection per delivery. Its figures
 * are only as good as its parsing and its accounting of deliveries that got no answer, so both are tested here
 * against a real Node server.
 */

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/acr/events`;
}

describe("the bench's raw webhook sender", () => {
  it("sends every body with the function key and reads each status, the same as fetch", async () => {
    const seen: Array<{ key: unknown; body: string; path: string | undefined }> = [];
    const url = await serve((req, res) => {
      let body = "";
      req.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
      req.on("end", () => {
        seen.push({ key: req.headers["x-functions-key"], body, path: req.url });
        const status = body.includes("bad") ? 400 : 202;
        res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify({ status }));
      });
    });
    const bodies = Array.from({ length: 30 }, (_, i) => JSON.stringify({ i, kind: i % 10 === 0 ? "bad" : "good" }));
    for (const kind of ["raw", "fetch"] as const) {
      seen.length = 0;
      const deliveries = await sendBurst({ url, functionKey: "the-key", bodies }, kind);
      expect(deliveries.map((d) => d.status)).toEqual(bodies.map((b) => (b.includes("bad") ? 400 : 202)));
      expect(deliveries.every((d) => d.ms > 0 && d.answeredAt > 0 && d.error === undefined)).toBe(true);
      expect(seen.map((s) => s.body).sort()).toEqual([...bodies].sort());
      expect(seen.every((s) => s.key === "the-key" && s.path === "/api/acr/events")).toBe(true);
    }
  });

  it("counts a connection closed without an answer, and a refused one, as no answer with its cause", async () => {
    const url = await serve((req) => req.socket.destroy());
    const [dropped] = await sendBurst({ url, functionKey: "k", bodies: ["{}"] }, "raw");
    expect(dropped).toMatchObject({ status: 0 });
    expect(dropped!.error).toMatch(/incomplete answer|ECONNRESET/);
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
    const [refused] = await sendBurst({ url, functionKey: "k", bodies: ["{}"] }, "raw");
    expect(refused).toMatchObject({ status: 0, error: "ECONNREFUSED" });
  });

  it("picks the sender from BENCH_WEBHOOK_SENDER_KIND, refusing an unknown one", () => {
    expect(senderKind(undefined)).toBe("raw");
    expect(senderKind("fetch")).toBe("fetch");
    expect(() => senderKind("curl")).toThrow(/neither raw nor fetch/);
  });
});

describe("the raw sender's answer parser", () => {
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
