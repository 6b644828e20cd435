import { loginServer, type RegistryAllowlist } from "../../acr/names.js";
import { pipelineInstanceId, type ImageKey, type PipelineMode, type PipelineSource } from "../contract/index.js";
import { RegistryNotGatedError, WebhookPayloadError } from "../errors.js";
import type { AcrWebhookEvent } from "./event.js";

/** What the webhook needs from the rest of the gate. */
export interface WebhookDeps {
  /** GATE_REGISTRIES: events from any other registry are refused. */
  allowlist: RegistryAllowlist;
  /** GATE_MODE: in shadow mode a `push` starts an evaluation too. */
  mode: PipelineMode;
  /**
   * Takes the delivery durably (the webhook inbox); the image's pipeline is started from there, idempotently (one per
   * digest). Rejects when the delivery could not be kept.
   */
  accept(image: ImageKey, source: PipelineSource, tag: string | undefined): Promise<void>;
  /** Ends the instance if it is live; true when it was. */
  terminateIfLive(instanceId: string, reason: string): Promise<boolean>;
}

export type WebhookResult =
  | { kind: "pong" }
  /** Kept in the inbox: the pipeline `instanceId` starts from there (or already exists). */
  | { kind: "accepted"; action: "quarantine" | "push"; image: ImageKey; instanceId: string }
  /** A push with quarantine on: ACR announces a release this way; nothing to do. */
  | { kind: "recorded"; image: ImageKey }
  | { kind: "deleted"; image: ImageKey; instanceId: string; terminated: boolean }
  | { kind: "ignored"; action: string };

/**
 * What the gate does about one validated ACR event: only events from a gated registry count; `quarantine` accepts the
 * delivery for the image's pipeline (at most one per digest); `push` does so only in shadow mode; `delete` ends a live pipeline of
 * that digest; anything else is ignored. Throws WebhookPayloadError or RegistryNotGatedError for events it refuses.
 */
export async function handleWebhookEvent(deps: WebhookDeps, event: AcrWebhookEvent): Promise<WebhookResult> {
  if (event.action === "ping") return { kind: "pong" };
  const host = event.request?.host;
  if (!host) throw new WebhookPayloadError(["/request/host is missing: the event names no registry"]);
  if (!deps.allowlist.has(host)) throw new RegistryNotGatedError(`registry ${host} is not gated by this app`);
  const image: ImageKey = {
    loginServer: loginServer(host),
    repository: event.target.repository,
    digest: event.target.digest,
  };
  switch (event.action) {
    case "quarantine":
      await deps.accept(image, "webhook", event.target.tag);
      return { kind: "accepted", action: "quarantine", image, instanceId: pipelineInstanceId(image) };
    case "push":
      // With quarantine on, ACR sends `push` after a release; in shadow mode the gate evaluates pushes instead.
      if (deps.mode !== "shadow") return { kind: "recorded", image };
      await deps.accept(image, "push-shadow", event.target.tag);
      return { kind: "accepted", action: "push", image, instanceId: pipelineInstanceId(image) };
    case "delete": {
      const instanceId = pipelineInstanceId(image);
      const terminated = await deps.terminateIfLive(instanceId, "the manifest was deleted from the registry");
      return { kind: "deleted", image, instanceId, terminated };
    }
    default:
      return { kind: "ignored", action: event.action };
  }
}
