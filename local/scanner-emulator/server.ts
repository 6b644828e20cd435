import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { readJson } from "../http/body.js";
import { HttpError } from "../http/errors.js";
import { listen } from "../http/server.js";
import { ensureLocalCa, ensureServerCertificate } from "../tls/ca.js";
import { harborReportFromTrivy, type HarborArtifact } from "./harbor-report.js";
import { pullManifest, ScanStore, type ScanOutcome, type ScanRecord } from "./scans.js";
import { isDigest, isRepositoryName } from "../../src/oci/grammar.js";

export interface ScannerEmulatorOptions {
  /** The local CA's folder; the emulator serves HTTPS with a certificate from it, as the gate only talks TLS. */
  caDir: string;
  port?: number;
  /** What the scanner finds in an artifact. */
  reportFor: (artifact: HarborArtifact) => ScanOutcome | Promise<ScanOutcome>;
  /** How many report polls answer 302 before the report is ready (default 1). */
  pendingPolls?: number;
  refreshAfterSeconds?: number;
  /** When set, every request must carry `Authorization: Bearer <apiKey>` (Harbor's adapter registration). */
  apiKey?: string;
  /** Pull the manifest from the registry with the request's authorization before scanning (default true). */
  verifyPull?: boolean;
}

export interface ScannerEmulator {
  url: string;
  scans(): ScanRecord[];
  stop(): Promise<void>;
}

const TYPES = {
  metadata: "application/vnd.scanner.adapter.metadata+json; version=1.0",
  scanRequest: "application/vnd.scanner.adapter.scan.request+json",
  scanResponse: "application/vnd.scanner.adapter.scan.response+json; version=1.0",
  error: "application/vnd.scanner.adapter.error+json; version=1.0",
  report11: "application/vnd.security.vulnerability.report; version=1.1",
  harbor10: "application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0",
  raw: "application/vnd.scanner.adapter.vuln.report.raw",
};
const CONSUMES = ["application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json"];
const PRODUCES = [TYPES.harbor10, TYPES.report11, TYPES.raw];

const canonical = (type: string): string =>
  type
    .split(";")
    .map((part) => part.trim().toLowerCase())
    .join(";");

function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  const payload = Buffer.from(body);
  res.writeHead(status, { "Content-Type": contentType, "Content-Length": String(payload.length), ...headers });
  res.end(payload);
}

function sendError(res: ServerResponse, status: number, message: string): void {
  send(res, status, TYPES.error, JSON.stringify({ error: { message } }));
}

function authorised(req: IncomingMessage, apiKey: string | undefined): boolean {
  if (apiKey === undefined) return true;
  const presented = Buffer.from(String(req.headers.authorization ?? ""));
  const expected = Buffer.from(`Bearer ${apiKey}`);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

function scanRequestOf(body: unknown): { registryUrl: string; authorization: string; artifact: HarborArtifact } {
  const request = body as {
    registry?: { url?: unknown; authorization?: unknown };
    artifact?: Record<string, unknown>;
  } | null;
  const registryUrl = request?.registry?.url;
  const artifact = request?.artifact;
  if (typeof registryUrl !== "string" || !/^https:\/\/[^/]+\/?$/.test(registryUrl))
    throw new HttpError(400, "BAD_REQUEST", "registry.url must be an https base URL");
  if (typeof artifact?.repository !== "string" || artifact.repository === "")
    throw new HttpError(400, "BAD_REQUEST", "artifact.repository is required");
  if (!isRepositoryName(artifact.repository))
    throw new HttpError(400, "BAD_REQUEST", "artifact.repository must be a repository name (OCI distribution grammar)");
  if (typeof artifact.digest !== "string" || !isDigest(artifact.digest))
    throw new HttpError(400, "BAD_REQUEST", "artifact.digest must be a digest (sha256:<64 hex> or sha512:<128 hex>)");
  if (artifact.mime_type !== undefined && !CONSUMES.includes(String(artifact.mime_type))) {
    throw new HttpError(422, "UNSUPPORTED", `artifact mime type ${String(artifact.mime_type)} is not supported`);
  }
  const authorization = typeof request?.registry?.authorization === "string" ? request.registry.authorization : "";
  const result: HarborArtifact = { repository: artifact.repository, digest: artifact.digest };
  if (typeof artifact.tag === "string") result.tag = artifact.tag;
  if (typeof artifact.mime_type === "string") result.mime_type = artifact.mime_type;
  return { registryUrl, authorization, artifact: result };
}

/**
 * A Harbor Pluggable Scanner adapter (API v1.2) for the local stack and the tests: it accepts scan requests, pulls
 * the manifest from the named registry with the token it was given, answers 302 until the report is "ready", then
 * serves the report in the requested type (Harbor v1.1/v1.0 converted from Trivy JSON, or the Trivy JSON itself as raw).
 */
export async function startScannerEmulator(options: ScannerEmulatorOptions): Promise<ScannerEmulator> {
  const ca = await ensureLocalCa(options.caDir);
  const certificate = await ensureServerCertificate(ca, join(options.caDir, "scanner-emulator"));
  const store = new ScanStore();
  const pendingPolls = options.pendingPolls ?? 1;
  const refreshAfter = String(options.refreshAfterSeconds ?? 1);

  async function outcomeOf(scan: ScanRecord): Promise<ScanOutcome> {
    if (options.verifyPull !== false) {
      const problem = await pullManifest(scan);
      if (problem !== undefined) return { fail: problem };
    }
    return options.reportFor(scan.artifact);
  }

  async function report(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    const scan = store.get(id);
    if (scan === undefined) return sendError(res, 404, `no scan request ${id}`);
    const accept = String(req.headers.accept ?? TYPES.harbor10);
    const wanted = PRODUCES.find((type) => canonical(type) === canonical(accept));
    if (wanted === undefined) return sendError(res, 400, `cannot produce ${accept}`);
    scan.outcome ??= outcomeOf(scan);
    if (scan.polls < pendingPolls) {
      scan.polls += 1;
      res.writeHead(302, { "Refresh-After": refreshAfter, "Content-Length": "0" });
      return void res.end();
    }
    const outcome = await scan.outcome;
    if ("fail" in outcome) return sendError(res, 500, outcome.fail);
    if ("body" in outcome) return send(res, 200, wanted, outcome.body);
    const body = wanted === TYPES.raw ? outcome.trivy : harborReportFromTrivy(outcome.trivy, scan.artifact, new Date());
    send(res, 200, wanted, JSON.stringify(body));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "https://scanner.local");
    if (!authorised(req, options.apiKey)) return sendError(res, 401, "unauthorized");
    if (req.method === "GET" && url.pathname === "/api/v1/metadata") {
      const capabilities = [{ type: "vulnerability", consumes_mime_types: CONSUMES, produces_mime_types: PRODUCES }];
      return send(
        res,
        200,
        TYPES.metadata,
        JSON.stringify({
          scanner: { name: "Trivy", vendor: "Aqua Security", version: "emulated" },
          capabilities,
          properties: { "harbor.scanner-adapter/scanner-type": "os-package-vulnerability" },
        }),
      );
    }
    if (req.method === "POST" && url.pathname === "/api/v1/scan") {
      if (!String(req.headers["content-type"] ?? "").startsWith(TYPES.scanRequest))
        return sendError(res, 400, `Content-Type must be ${TYPES.scanRequest}`);
      const request = scanRequestOf(await readJson(req));
      const scan = store.add(request.registryUrl, request.authorization, request.artifact);
      return send(res, 202, TYPES.scanResponse, JSON.stringify({ id: scan.id }));
    }
    const reportPath = /^\/api\/v1\/scan\/([^/]+)\/report$/.exec(url.pathname);
    if (req.method === "GET" && reportPath?.[1] !== undefined)
      return report(req, res, decodeURIComponent(reportPath[1]));
    sendError(res, 404, `no route ${req.method ?? ""} ${url.pathname}`);
  }

  const running = await listen(
    (req, res) => {
      handle(req, res).catch((error: unknown) => {
        if (res.headersSent) return void res.destroy();
        if (error instanceof HttpError) return sendError(res, error.status, error.message);
        sendError(res, 500, `emulator error: ${(error as Error).message}`);
      });
    },
    { port: options.port ?? 0, tls: { key: certificate.key, cert: certificate.cert } },
  );
  return {
    url: `https://127.0.0.1:${running.port}`,
    scans: () => store.all(),
    stop: () => running.close(),
  };
}
