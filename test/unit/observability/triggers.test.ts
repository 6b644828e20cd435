import { describe, expect, it } from "vitest";
import { HttpRequest, type Timer } from "@azure/functions";
import { observeHttp, observeTimer } from "../../../src/observability/triggers.js";
import { IMAGE } from "../pipeline/support/fixtures.js";
import { capturingContext } from "./support.js";

const REFERENCE = `${IMAGE.loginServer}/${IMAGE.repository}@${IMAGE.digest}`;
const PIPELINE = `qp-${"d".repeat(40)}`;
const TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJyb2xlcyI6WyJRdWFyYW50aW5lLkFwcHJvdmVyIl19.c2lnbmF0dXJl";

const request = (init: ConstructorParameters<typeof HttpRequest>[0]) =>
  new HttpRequest({ method: "POST", url: "https://gate.example/api/x?code=FunctionKey123", ...init });

describe("observeHttp", () => {
  it("logs one line per request: role, status, instance from the route; nothing from headers or the body", async () => {
    const { context, logged } = capturingContext({ functionName: "approvals" });
    const handler = observeHttp("approval", async () => ({ status: 202, jsonBody: { kind: "raised", by: "Ada" } }));
    await handler(
      request({
        url: `https://gate.example/api/approvals/${PIPELINE}`,
        params: { instanceId: PIPELINE },
        headers: { authorization: `Bearer ${TOKEN}` },
        body: { string: JSON.stringify({ approve: true, reason: "risk accepted" }) },
      }),
      context,
    );
    expect(logged).toHaveLength(1);
    expect(logged[0]!.event).toMatchObject({
      kind: "http",
      fn: "approvals",
      outcome: "succeeded",
      stage: "approval",
      instanceId: PIPELINE,
      status: 202,
    });
    expect(logged[0]!.line).not.toMatch(/eyJ|FunctionKey123|risk accepted|Ada/);
  });

  it("reads the image from the query and the instance and image from the answer (or its status link)", async () => {
    const { context, logged } = capturingContext({ functionName: "imageStatus" });
    await observeHttp("status", async () => ({ status: 404, jsonBody: { known: false, instanceId: PIPELINE } }))(
      request({ method: "GET", query: { image: REFERENCE.toUpperCase(), code: "FunctionKey123" } }),
      context,
    );
    expect(logged[0]!.event).toMatchObject({
      outcome: "rejected",
      status: 404,
      image: REFERENCE,
      instanceId: PIPELINE,
    });
    expect(logged[0]!.level).toBe("warning");

    const webhook = capturingContext({ functionName: "acrEvents" });
    const statusUrl = `https://gate.example/api/images/status?image=${encodeURIComponent(REFERENCE)}`;
    await observeHttp("webhook", async () => ({
      status: 202,
      jsonBody: { instanceId: PIPELINE, started: true, runtimeStatus: "Pending", statusUrl },
    }))(request({}), webhook.context);
    expect(webhook.logged[0]!.event).toMatchObject({
      stage: "webhook",
      image: REFERENCE,
      instanceId: PIPELINE,
      result: "started",
    });
  });

  it("finds the pipeline of a scan callback from its scan id", async () => {
    const { context, logged } = capturingContext({ functionName: "scanReports" });
    await observeHttp("scan-report", async () => ({ status: 401, jsonBody: { error: "callback token rejected" } }))(
      request({ params: { scanId: `${PIPELINE}.0.0badf00d` }, headers: { authorization: "Bearer callback-secret" } }),
      context,
    );
    expect(logged[0]!.event).toMatchObject({ outcome: "rejected", status: 401, instanceId: PIPELINE });
    expect(logged[0]!.line).not.toContain("callback-secret");

    await observeHttp("scan-report", async () => ({
      status: 202,
      jsonBody: { scanId: `${PIPELINE}.0.0badf00d`, accepted: true, decision: "needsApproval" },
    }))(request({ params: { scanId: `${PIPELINE}.0.0badf00d` } }), context);
    expect(logged[1]!.event).toMatchObject({ outcome: "succeeded", result: "needsApproval", instanceId: PIPELINE });

    await observeHttp("scan-report", async () => ({
      status: 202,
      jsonBody: { scanId: `${PIPELINE}.0.0badf00d`, accepted: true, failed: true },
    }))(request({ params: { scanId: `${PIPELINE}.0.0badf00d` } }), context);
    expect(logged[2]!.event).toMatchObject({ outcome: "succeeded", result: "scan-failed" });
  });

  it("ignores ids and images that are not well formed", async () => {
    const { context, logged } = capturingContext();
    await observeHttp("status", async () => ({ status: 200, jsonBody: { instanceId: "<script>", image: "nope" } }))(
      request({ query: { image: "not an image" } }),
      context,
    );
    expect(logged[0]!.event!.instanceId).toBeUndefined();
    expect(logged[0]!.event!.image).toBeUndefined();
  });

  it("a thrown error is logged failed/500 at error level, redacted, and rethrown for the host", async () => {
    const { context, logged } = capturingContext();
    const failure = new Error(`storage said 403 for https://st.blob.core.windows.net/c?sig=SasSig123&se=1`);
    await expect(
      observeHttp("webhook", async () => {
        throw failure;
      })(request({}), context),
    ).rejects.toBe(failure);
    expect(logged[0]!.level).toBe("error");
    expect(logged[0]!.event).toMatchObject({ outcome: "failed", status: 500, error: { name: "Error" } });
    expect(logged[0]!.line).not.toContain("SasSig123");
  });
});

describe("observeTimer", () => {
  const timer: Timer = {
    isPastDue: true,
    schedule: { adjustForDST: false },
    scheduleStatus: { last: "", next: "", lastUpdated: "" },
  };

  it("logs started (past due) and succeeded", async () => {
    const { context, logged } = capturingContext({ functionName: "complianceSweep" });
    await observeTimer("sweep", async () => undefined)(timer, context);
    expect(logged.map((l) => l.event)).toMatchObject([
      { kind: "timer", fn: "complianceSweep", stage: "sweep", outcome: "started", result: "past-due" },
      { outcome: "succeeded" },
    ]);
  });

  it("logs failed at error level and rethrows", async () => {
    const { context, logged } = capturingContext();
    await expect(
      observeTimer("sweep", async () => {
        throw new Error("ARM unreachable");
      })(timer, context),
    ).rejects.toThrow("ARM unreachable");
    expect(logged[1]).toMatchObject({
      level: "error",
      event: { outcome: "failed", error: { message: "ARM unreachable" } },
    });
  });
});
