import { describe, expect, it } from "vitest";
import { RegistryAllowlist } from "../../../src/acr/names.js";
import { RegistryNotGatedError, WebhookPayloadError } from "../../../src/pipeline/errors.js";
import { pipelineInstanceId, type ImageKey, type PipelineSource } from "../../../src/pipeline/contract/index.js";
import { handleWebhookEvent, type WebhookDeps } from "../../../src/pipeline/webhook/handle.js";
import { parseWebhookEvent } from "../../../src/pipeline/webhook/event.js";

const digest = `sha256:${"ab".repeat(32)}`;
const event = (action: string, host: string | null = "Contoso.azurecr.io") =>
  parseWebhookEvent({
    id: "e1",
    timestamp: "2024-01-01T00:00:00Z",
    action,
    target: { repository: "team/app", digest, tag: "v1" },
    ...(host ? { request: { host } } : {}),
  });

function deps(mode: "enforce" | "shadow" = "enforce") {
  const started: Array<{ image: ImageKey; source: PipelineSource; tag: string | undefined }> = [];
  const ended: string[] = [];
  const value: WebhookDeps = {
    allowlist: new RegistryAllowlist(["contoso.azurecr.io"]),
    mode,
    accept: async (image, source, tag) => {
      started.push({ image, source, tag });
    },
    terminateIfLive: async (instanceId) => {
      ended.push(instanceId);
      return true;
    },
  };
  return { value, started, ended };
}

const image: ImageKey = { loginServer: "contoso.azurecr.io", repository: "team/app", digest };

describe("what the gate does about an ACR event", () => {
  it("answers a ping without reading the allowlist", async () => {
    const d = deps();
    const noAllowlist = {
      ...d.value,
      get allowlist(): RegistryAllowlist {
        throw new Error("read");
      },
    };
    expect(await handleWebhookEvent(noAllowlist, parseWebhookEvent({ action: "ping" }))).toEqual({ kind: "pong" });
  });

  it("accepts the delivery for the image's pipeline on quarantine, with the registry's name folded", async () => {
    const d = deps();
    const result = await handleWebhookEvent(d.value, event("quarantine"));
    expect(result).toEqual({ kind: "accepted", action: "quarantine", image, instanceId: pipelineInstanceId(image) });
    expect(d.started).toEqual([{ image, source: "webhook", tag: "v1" }]);
  });

  it("records a push in enforce mode, and evaluates it in shadow mode", async () => {
    const enforce = deps("enforce");
    expect(await handleWebhookEvent(enforce.value, event("push"))).toEqual({ kind: "recorded", image });
    expect(enforce.started).toEqual([]);
    const shadow = deps("shadow");
    expect((await handleWebhookEvent(shadow.value, event("push"))).kind).toBe("accepted");
    expect(shadow.started).toEqual([{ image, source: "push-shadow", tag: "v1" }]);
  });

  it("ends the digest's live pipeline on delete", async () => {
    const d = deps();
    expect(await handleWebhookEvent(d.value, event("delete"))).toEqual({
      kind: "deleted",
      image,
      instanceId: pipelineInstanceId(image),
      terminated: true,
    });
    expect(d.ended).toEqual([pipelineInstanceId(image)]);
  });

  it("ignores chart events", async () => {
    const d = deps();
    expect(await handleWebhookEvent(d.value, event("chart_push"))).toEqual({ kind: "ignored", action: "chart_push" });
    expect(d.started).toEqual([]);
  });

  it("refuses an event that names no registry, or one not gated, starting nothing", async () => {
    const d = deps();
    await expect(handleWebhookEvent(d.value, event("quarantine", null))).rejects.toBeInstanceOf(WebhookPayloadError);
    await expect(handleWebhookEvent(d.value, event("quarantine", "evil.azurecr.io"))).rejects.toBeInstanceOf(
      RegistryNotGatedError,
    );
    await expect(handleWebhookEvent(d.value, event("delete", "contoso.azurecr.io/x"))).rejects.toBeInstanceOf(
      RegistryNotGatedError,
    );
    expect(d.started).toEqual([]);
    expect(d.ended).toEqual([]);
  });
});
