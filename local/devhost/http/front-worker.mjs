/**
 * The devhost's HTTP front, on a worker thread of its own (host-front.ts starts it). It terminates HTTP as the real
 * Functions host does in its own process: it accepts connections, parses requests, reads each body whole (up to the
 * host's 100 MB request limit) and hands the request to the host's thread as one message; the answer comes back as one
 * message and is written here. The host's thread, where the app's functions run, never touches a socket, so under a
 * burst of deliveries Node's connection and parsing work runs beside the functions instead of in turn with them.
 *
 * Plain JavaScript with Node's modules only: the same file runs under the built devhost (dist) and under the tests
 * (TypeScript sources), and a worker thread loads a file as it is.
 *
 * Messages (host-front.ts is the other side):
 *   → host: { type: "listening", ports } | { type: "listen-failed", message, code } once;
 *           { type: "request", id, server, method, url, headers, body } per request;
 *           { type: "closed", name } after a close.
 *   ← host: { type: "response", id, status, headers, body } | { type: "destroy", id } | { type: "close", name }.
 */
import { Buffer } from "node:buffer";
import { createServer } from "node:http";
import { parentPort, workerData } from "node:worker_threads";

const { servers: specs, maxBodyBytes } = workerData;
/** Requests waiting for the host's answer, by id: their responses. */
const pending = new Map();
let nextId = 0;

function tooLarge(res) {
  const payload = Buffer.from(JSON.stringify({ error: `request body exceeds ${maxBodyBytes} bytes` }));
  res.writeHead(413, { "Content-Type": "application/json; charset=utf-8", "Content-Length": String(payload.length) });
  res.end(payload);
}

function onRequest(server, req, res) {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (Number.isFinite(declared) && declared > maxBodyBytes) {
    req.resume();
    tooLarge(res);
    return;
  }
  const chunks = [];
  let size = 0;
  let refused = false;
  req.on("data", (chunk) => {
    if (refused) return;
    size += chunk.length;
    if (size > maxBodyBytes) {
      refused = true;
      chunks.length = 0;
      tooLarge(res);
      return;
    }
    chunks.push(chunk);
  });
  req.on("end", () => {
    if (refused) return;
    // A body of its own (not a slice of Node's shared pool), so its memory can be moved to the host's thread.
    const body = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      body.set(chunk, offset);
      offset += chunk.length;
    }
    const id = nextId++;
    pending.set(id, res);
    // A client that went away: its answer, when it comes, is dropped.
    res.on("close", () => pending.delete(id));
    parentPort.postMessage(
      { type: "request", id, server, method: req.method ?? "GET", url: req.url ?? "/", headers: req.headers, body },
      size > 0 ? [body.buffer] : [],
    );
  });
  // An aborted upload: nothing reaches the host, as a request that never completed.
  req.on("error", () => res.destroy());
}

parentPort.on("message", (message) => {
  if (message.type === "response") {
    const res = pending.get(message.id);
    if (!res) return;
    pending.delete(message.id);
    if (res.destroyed) return;
    res.writeHead(message.status, message.headers);
    res.end(
      message.body.byteLength > 0
        ? Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength)
        : undefined,
    );
  } else if (message.type === "destroy") {
    const res = pending.get(message.id);
    pending.delete(message.id);
    res?.destroy();
  } else if (message.type === "close") {
    const server = running.get(message.name);
    if (!server) {
      parentPort.postMessage({ type: "closed", name: message.name });
      return;
    }
    running.delete(message.name);
    server.close(() => parentPort.postMessage({ type: "closed", name: message.name }));
    // Like the in-thread server before: close() never waits on keep-alive or in-flight connections.
    for (const socket of server.sockets) socket.destroy();
  }
});

/** The listening servers by name, each with its open connections. */
const running = new Map();
const ports = {};
try {
  for (const spec of specs) {
    const server = createServer({ highWaterMark: 1 << 20 }, (req, res) => onRequest(spec.name, req, res));
    server.keepAliveTimeout = 5_000;
    server.sockets = new Set();
    server.on("connection", (socket) => {
      server.sockets.add(socket);
      socket.on("close", () => server.sockets.delete(socket));
    });
    await new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(spec.port, spec.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    running.set(spec.name, server);
    ports[spec.name] = server.address().port;
  }
  parentPort.postMessage({ type: "listening", ports });
} catch (error) {
  for (const server of running.values()) server.close();
  parentPort.postMessage({ type: "listen-failed", message: error.message, code: error.code });
}
