import { listen } from "../../../local/http/server.js";
import { readBody } from "../../../local/http/body.js";
import { callbackTokenMatches } from "../../../src/scanning/queue/callback-token.js";

export interface ReceivedCallback {
  scanId: string;
  contentType: string;
  body: string;
  status: number;
}

/**
 * The gate's side of the scan callback as far as the worker can tell it apart, on a real loopback HTTP port:
 * POST /api/scans/{scanId} with the scan's bearer token (checked against its hash with the product's own
 * callbackTokenMatches), 202 for the first report, 409 for every later one (the gate's single-use ledger), 401 for a
 * wrong token, 404 for an unknown scan. `script` replaces the answers for one scan, in order, to play a refusing or
 * unavailable gate. The real scanReports endpoint is exercised end to end in the local stack.
 */
export interface FakeGate {
  callbackBaseUrl: string;
  expect(scanId: string, tokenHash: string): void;
  script(scanId: string, statuses: number[]): void;
  received: ReceivedCallback[];
  forScan(scanId: string): ReceivedCallback[];
  close(): Promise<void>;
}

export async function startFakeGate(): Promise<FakeGate> {
  const hashes = new Map<string, string>();
  const scripts = new Map<string, number[]>();
  const settled = new Set<string>();
  const received: ReceivedCallback[] = [];
  const server = await listen(async (req, res) => {
    const match = /^\/api\/scans\/([^/?]+)$/.exec(req.url ?? "");
    const body = (await readBody(req, 16 * 1024 * 1024)).toString("utf8");
    const scanId = decodeURIComponent(match?.[1] ?? "");
    const answer = (status: number) => {
      received.push({ scanId, contentType: String(req.headers["content-type"] ?? ""), body, status });
      res.writeHead(status, { "Content-Type": "application/problem+json" }).end(JSON.stringify({ status }));
    };
    if (req.method !== "POST" || !match) return answer(404);
    const scripted = scripts.get(scanId);
    if (scripted && scripted.length > 0) return answer(scripted.shift()!);
    const hash = hashes.get(scanId);
    if (!hash) return answer(404);
    const bearer = /^Bearer\s+(\S+)$/.exec(String(req.headers.authorization ?? ""));
    if (!callbackTokenMatches(bearer?.[1], hash)) return answer(401);
    if (settled.has(scanId)) return answer(409);
    settled.add(scanId);
    return answer(202);
  }, {});
  return {
    callbackBaseUrl: `http://127.0.0.1:${server.port}/api/scans`,
    expect: (scanId, tokenHash) => void hashes.set(scanId, tokenHash),
    script: (scanId, statuses) => void scripts.set(scanId, [...statuses]),
    received,
    forScan: (scanId) => received.filter((r) => r.scanId === scanId),
    close: server.close,
  };
}
