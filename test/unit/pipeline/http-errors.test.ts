import { describe, expect, it } from "vitest";
import { ApproverAuthError } from "../../../src/auth/approver-token.js";
import { ConfigError } from "../../../src/config.js";
import { answeringErrors, problemFor } from "../../../src/http/errors.js";
import { AcrNotFoundError } from "../../../src/acr/errors.js";
import * as errors from "../../../src/pipeline/errors.js";
import { UnknownRegistryError } from "../../../src/sweep/run.js";

describe("the one mapping of errors to HTTP answers", () => {
  it.each([
    [new errors.WebhookPayloadError(["/target missing"]), 400],
    [new UnknownRegistryError("no such registry"), 400],
    [new errors.CallbackTokenRejectedError("wrong token"), 401],
    [new errors.RegistryNotGatedError("not gated"), 403],
    [new errors.JustificationRequiredError("say why"), 403],
    [new errors.PipelineNotFoundError("none"), 404],
    [new errors.UnknownScanError("none"), 404],
    [new errors.NotAwaitingApprovalError("busy"), 409],
    [new errors.ScanNotAwaitingReportError("late"), 409],
    [new errors.ScanAlreadyReportedError("twice"), 409],
    [new ApproverAuthError(401, "no token"), 401],
    [new ApproverAuthError(403, "no role"), 403],
  ])("%s → %i with its message", (error, status) => {
    expect(problemFor(error)).toEqual({ status, jsonBody: expect.objectContaining({ error: error.message }) });
  });

  it("names a webhook payload's problems", () => {
    expect(problemFor(new errors.WebhookPayloadError(["a", "b"]))?.jsonBody).toMatchObject({ problems: ["a", "b"] });
  });

  it("tells only admin functions which settings are wrong", () => {
    const error = new ConfigError(["GATE_REGISTRIES is required"]);
    expect(problemFor(error)).toEqual({
      status: 500,
      jsonBody: { error: "the app settings do not allow this request" },
    });
    expect(problemFor(error, { exposeConfigProblems: true })?.jsonBody).toMatchObject({
      problems: ["GATE_REGISTRIES is required"],
    });
  });

  it.each([
    new Error("boom"),
    new errors.ScanFailedError("scanner down"),
    new errors.DecisionNotWrittenError("503"),
    new AcrNotFoundError("gone"),
    "a string",
  ])("leaves %s to the host (500, logged, nothing shown)", async (error) => {
    expect(problemFor(error)).toBeUndefined();
    await expect(answeringErrors(() => Promise.reject(error))).rejects.toBe(error);
  });

  it("every pipeline error is a GateError with a stable code of its own", () => {
    const classes = Object.values(errors);
    const codes = classes.map((c) => c.code);
    expect(new Set(codes).size).toBe(classes.length);
    for (const Class of classes) {
      const instance =
        Class === errors.WebhookPayloadError ? new Class(["x"]) : new (Class as typeof errors.ScanFailedError)("x");
      expect(instance.code).toBe(Class.code);
      expect(instance.name).toBe(Class.name);
      expect(Class.code).toMatch(/^ERR_[A-Z_]+$/);
    }
  });
});
