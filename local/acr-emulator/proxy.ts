import {
  Agent,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "host",
  "authorization",
]);

/** One keep-alive pool to docker-registry: the emulator adds a hop, so the hop must be cheap (bench target ≤ 1.3×). */
const agent = new Agent({ keepAlive: true, maxSockets: 128 });

export function forwardableHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

/** Sends a request to the backend registry; the body is either streamed from the client or given as a buffer. */
export function backendRequest(
  backendUrl: string,
  method: string,
  path: string,
  headers: Record<string, string | string[]>,
  body?: IncomingMessage | Buffer,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const target = new URL(path, backendUrl);
    const outgoing = httpRequest(target, { method, headers, agent }, resolve);
    outgoing.on("error", reject);
    if (body === undefined) outgoing.end();
    else if (Buffer.isBuffer(body)) outgoing.end(body);
    else {
      body.on("error", (error) => outgoing.destroy(error));
      body.pipe(outgoing);
    }
  });
}

/** Streams a backend answer to the client unchanged (minus hop-by-hop headers). */
export function relay(from: IncomingMessage, to: ServerResponse): void {
  to.writeHead(from.statusCode ?? 502, forwardableHeaders(from.headers));
  from.pipe(to);
}

export async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}
