/** What the helpers write to: Node's ServerResponse, or the devhost's collected response (host-exchange.ts). */
export interface ResponseSink {
  writeHead(status: number, headers: Record<string, string>): unknown;
  end(body?: Buffer): unknown;
}

export function sendJson(res: ResponseSink, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": String(payload.length),
    ...headers,
  });
  res.end(payload);
}

export function sendEmpty(res: ResponseSink, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "Content-Length": "0", ...headers });
  res.end();
}
