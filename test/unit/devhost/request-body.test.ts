import { request, type IncomingMessage } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { readBody } from "../../../local/http/body.js";
import { HttpError } from "../../../local/http/errors.js";
import { listen, type RunningServer } from "../../../local/http/server.js";

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A server whose every request is read with `readBody(req, limit)`; resolves with what the read gave. */
async function reading(limit: number): Promise<{ port: number; read: Promise<Buffer | Error> }> {
  let settle!: (value: Buffer | Error) => void;
  const read = new Promise<Buffer | Error>((resolve) => (settle = resolve));
  server = await listen((req, res) => {
    readBody(req, limit).then(
      (body) => {
        settle(body);
        res.writeHead(200, { "Content-Length": String(body.length) }).end(body);
      },
      (error: Error) => {
        settle(error);
        if (error instanceof HttpError) res.writeHead(error.status, { "Content-Length": "0" }).end();
      },
    );
  }, {});
  return { port: server.port, read };
}

/** Sends `chunks` as a chunked body (no Content-Length), one write each; resolves with the answer's status. */
function sendChunked(port: number, chunks: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ port, host: "127.0.0.1", method: "POST", path: "/" }, (res: IncomingMessage) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

describe("readBody", () => {
  it("joins a body sent in several chunks, byte for byte", async () => {
    const { port, read } = await reading(1024);
    expect(await sendChunked(port, ["ab", "cd", "é"])).toBe(200);
    expect(((await read) as Buffer).toString("utf8")).toBe("abcdé");
  });

  it("reads an empty body as no bytes", async () => {
    const { port, read } = await reading(1024);
    expect(await sendChunked(port, [])).toBe(200);
    expect(((await read) as Buffer).length).toBe(0);
  });

  it("refuses a body that grows past the limit without a Content-Length with 413, and can still answer", async () => {
    const { port, read } = await reading(8);
    expect(await sendChunked(port, ["12345", "67890", "abcde"])).toBe(413);
    expect(await read).toBeInstanceOf(HttpError);
  });

  it("refuses a declared Content-Length over the limit before reading", async () => {
    const { port, read } = await reading(8);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ port, host: "127.0.0.1", method: "POST", path: "/" }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end("0123456789");
    });
    expect(status).toBe(413);
    expect(((await read) as HttpError).status).toBe(413);
  });

  it("fails, instead of waiting for ever, when the client goes away in the middle of the body", async () => {
    const { port, read } = await reading(1024);
    const req = request({ port, host: "127.0.0.1", method: "POST", path: "/", headers: { "Content-Length": "100" } });
    req.on("error", () => undefined);
    req.write("only part of it");
    setTimeout(() => req.destroy(), 50);
    const outcome = await read;
    expect(outcome).toBeInstanceOf(Error);
    expect(outcome).not.toBeInstanceOf(HttpError);
  });
});
