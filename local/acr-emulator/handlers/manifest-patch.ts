import type { IncomingMessage } from "node:http";
import type { EmulatorContext } from "../context.js";
import { acrError } from "../errors.js";
import type { Caller } from "../middleware/auth.js";
import type { ManifestRecord } from "../model.js";
import { quarantineDetailsProblems } from "../quarantine-details.js";
import { imageEvent } from "../webhooks/events.js";

const FLAGS = ["deleteEnabled", "writeEnabled", "readEnabled", "listEnabled"] as const;
const QUARANTINE_FIELDS = ["quarantineState", "quarantineDetails"] as const;
const ALLOWED = new Set<string>([...FLAGS, ...QUARANTINE_FIELDS]);

/**
 * Applies PATCH /acr/v1/{repo}/_manifests/{digest}. Quarantine fields need the quarantine-writer role; the other
 * changeable attributes need metadata write (AcrPush/Owner). The body is checked whole before anything changes, and
 * rights are checked before existence, so a caller without them learns "denied" rather than whether a quarantined
 * manifest exists.
 */
export function applyManifestPatch(
  ctx: EmulatorContext,
  req: IncomingMessage,
  caller: Caller,
  record: ManifestRecord,
  body: unknown,
  visible: boolean,
): ManifestRecord {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw acrError(400, "UNSUPPORTED", "the body must be a JSON object");
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((k) => !ALLOWED.has(k));
  if (unknown.length) throw acrError(400, "UNSUPPORTED", `unknown attributes: ${unknown.join(", ").slice(0, 300)}`);
  if (Object.keys(fields).length === 0) throw acrError(400, "UNSUPPORTED", "nothing to change");
  const touchesQuarantine = QUARANTINE_FIELDS.some((k) => k in fields);
  const touchesFlags = FLAGS.some((k) => k in fields);
  if (touchesQuarantine && !caller.capabilities.has("quarantineWrite")) {
    throw acrError(403, "DENIED", "changing quarantine state requires the AcrQuarantineWriter role");
  }
  if (touchesFlags && !caller.capabilities.has("metadataWrite")) {
    throw acrError(403, "DENIED", "changing manifest attributes requires metadata write (AcrPush)");
  }
  if (!visible)
    throw acrError(404, "MANIFEST_UNKNOWN", "manifest unknown", { Name: record.repository, Revision: record.digest });
  const state = fields.quarantineState;
  // Any Passed/Failed write is accepted, whatever the current state, Passed → Failed included: ACR documents only the
  // scanner's first write, so this transition is the emulator's choice (docs/local-stack.md, issue 18 section). The
  // gate does not depend on it: it locks with readEnabled=false first and treats a refused Failed as "lock only".
  if (state !== undefined && state !== "Passed" && state !== "Failed") {
    throw acrError(400, "UNSUPPORTED", `quarantineState must be "Passed" or "Failed"`);
  }
  if ("quarantineDetails" in fields) {
    const problems = quarantineDetailsProblems(fields.quarantineDetails);
    if (problems.length)
      throw acrError(400, "UNSUPPORTED", "quarantineDetails does not match ACR's schema", { problems });
  }
  const changeable = { ...record.changeable };
  for (const flag of FLAGS) {
    if (flag in fields) {
      if (typeof fields[flag] !== "boolean") throw acrError(400, "UNSUPPORTED", `${flag} must be a boolean`);
      changeable[flag] = fields[flag];
    }
  }
  const updated: ManifestRecord = {
    ...record,
    changeable,
    lastUpdateTime: new Date().toISOString(),
    ...(state !== undefined ? { quarantineState: state } : {}),
    ...("quarantineDetails" in fields ? { quarantineDetails: fields.quarantineDetails as string } : {}),
  };
  ctx.store.putManifests([updated]);
  const released = record.quarantineState !== "Passed" && updated.quarantineState === "Passed";
  if (released && ctx.store.settings().quarantinePolicy === "enabled") {
    // "once the image has been set to Passed, an Image Pushed webhook will be triggered" (acr-protocol.md §2.1)
    const facts = { host: req.headers.host ?? ctx.loginServer, method: "PATCH", userAgent: req.headers["user-agent"] };
    const tags = updated.tags.length ? updated.tags : [undefined];
    for (const tag of tags) ctx.webhooks.emit(imageEvent("push", updated, tag, facts));
  }
  return updated;
}
