import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { compositionRoot } from "../composition/root.js";
import { answeringErrors } from "../http/errors.js";
import { problem } from "../http/json.js";
import { isRescanId } from "../pipeline/contract/index.js";
import { UnknownScanError } from "../pipeline/errors.js";
import { acceptScanReport } from "../pipeline/scan-reports.js";
import { DEFAULT_MAX_REPORT_BYTES } from "../scanning/normalise/detect.js";
import { observeHttp } from "../observability/triggers.js";

/**
 * The callback for external scanners: POST api/scans/{scanId} with `Authorization: Bearer <per-scan token>` and the
 * report (Trivy JSON, SARIF 2.1.0 or a Harbor report). Authenticated by that token, not by a function key, so a
 * scanner outside Azure needs no app secret.
 */
export async function scanReports(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > DEFAULT_MAX_REPORT_BYTES)
    return problem(413, `reports are limited to ${DEFAULT_MAX_REPORT_BYTES} bytes`);
  const body = new Uint8Array(await request.arrayBuffer());
  return answeringErrors(async () => {
    const root = compositionRoot();
    const scanId = request.params.scanId ?? "";
    if (isRescanId(scanId)) {
      // A re-evaluation's re-scan: no orchestration waits for it; the activity that asked reads the inbox.
      const inbox = root.reevaluationServices().rescanInbox;
      if (!inbox) throw new UnknownScanError(`no re-scan ${scanId}: re-scans through the queue are off`);
      const { failed } = await inbox.accept(
        scanId,
        request.headers.get("authorization"),
        body,
        request.headers.get("content-type"),
      );
      context.log(`re-scan report ${scanId}: ${failed ? "failed" : "received"}`);
      return { status: 202, jsonBody: { scanId, accepted: true, ...(failed ? { failed: true } : {}) } };
    }
    const event = await acceptScanReport(
      df.getClient(context),
      root.gateServices(),
      scanId,
      request.headers.get("authorization"),
      body,
      root.clock(),
      request.headers.get("content-type"),
    );
    const decision = event.result.state === "done" ? event.result.verdict.decision : undefined;
    context.log(`scan report ${event.scanId}: ${decision ?? "failed"}`);
    return {
      status: 202,
      jsonBody: {
        scanId: event.scanId,
        accepted: true,
        decision,
        ...(event.result.state === "failed" ? { failed: true } : {}),
      },
    };
  });
}

app.http("scanReports", {
  methods: ["POST"],
  authLevel: "anonymous",
  route: "scans/{scanId}",
  extraInputs: [df.input.durableClient()],
  handler: observeHttp("scan-report", scanReports),
});
