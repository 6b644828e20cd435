import { describe, expect, it } from "vitest";
import { parseWebhookEvent } from "../../../src/pipeline/webhook/event.js";
import { WebhookPayloadError } from "../../../src/pipeline/errors.js";
import { pipelineInstanceId } from "../../../src/pipeline/contract/index.js";

const digest = `sha256:${"ab".repeat(32)}`;
const quarantine = {
  id: "0d799b14-404b-4859-b2f6-50c5ee2a2c3a",
  timestamp: "2018-02-28T00:42:54.4509516Z",
  action: "quarantine",
  target: { size: 1791, digest, length: 1791, repository: "helloworld", tag: "1" },
  request: { id: "978fc988", host: "myregistry.azurecr.io", method: "PUT" },
};

describe("ACR webhook payloads", () => {
  it("accepts ACR's documented shapes", () => {
    expect(parseWebhookEvent(quarantine)).toMatchObject({
      action: "quarantine",
      target: { repository: "helloworld", digest },
    });
    expect(parseWebhookEvent({ action: "ping" })).toEqual({ action: "ping" });
    expect(
      parseWebhookEvent({
        ...quarantine,
        action: "delete",
        target: { mediaType: "application/vnd.oci.image.manifest.v1+json", digest, repository: "a/b" },
      }).action,
    ).toBe("delete");
  });

  it.each([
    ["not an object", "quarantine"],
    ["array", [quarantine]],
    ["no action", { ...quarantine, action: undefined }],
    ["unknown action", { ...quarantine, action: "explode" }],
    ["truncated digest", { ...quarantine, target: { ...quarantine.target, digest: "sha256:91ef6" } }],
    ["path trick in repository", { ...quarantine, target: { ...quarantine.target, repository: "../etc" } }],
    ["upper-case repository", { ...quarantine, target: { ...quarantine.target, repository: "Hello" } }],
    ["no target", { ...quarantine, target: undefined }],
    ["negative size", { ...quarantine, target: { ...quarantine.target, size: -1 } }],
  ])("rejects %s with a clear error", (_name, body) => {
    expect(() => parseWebhookEvent(body)).toThrow(WebhookPayloadError);
    try {
      parseWebhookEvent(body);
    } catch (error) {
      expect((error as WebhookPayloadError).problems.length).toBeGreaterThan(0);
    }
  });
});

describe("pipeline instance ids", () => {
  it("are stable per image, distinct across images, and safe for Durable", () => {
    const a = pipelineInstanceId({ loginServer: "r.azurecr.io", repository: "a", digest });
    expect(pipelineInstanceId({ loginServer: "R.azurecr.io", repository: "a", digest })).toBe(a);
    expect(pipelineInstanceId({ loginServer: "r.azurecr.io", repository: "b", digest })).not.toBe(a);
    expect(pipelineInstanceId({ loginServer: "other.azurecr.io", repository: "a", digest })).not.toBe(a);
    expect(a).toMatch(/^qp-[0-9a-f]{40}$/);
  });
});
