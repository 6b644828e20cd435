import { describe, expect, it } from "vitest";
import { CloudEvent } from "cloudevents";
import {
  NOTIFICATION_TYPE_PREFIX,
  buildNotificationEvent,
  eventSource,
  notificationEventId,
} from "../../../src/notify/index.js";
import type { NotifyRequest } from "../../../src/pipeline/contract/index.js";

const request: NotifyRequest = {
  type: "image.released",
  image: { loginServer: "gate.azurecr.io", repository: "team-a/api", digest: `sha256:${"b".repeat(64)}` },
  instanceId: "qp-abc",
  round: "2026-01-01T00:00:00.000Z",
  at: "2026-01-01T00:05:00.000Z",
  facts: { actor: "policy", reason: "the policy passed every finding", policyVersion: "0123456789ab" },
  statusUrl: "https://gate/api/images/status?image=x",
};

describe("the event model", () => {
  it("is a valid CloudEvents 1.0 event: source, subject repository@digest, the prefixed type, the time", () => {
    const event = buildNotificationEvent(
      request,
      "/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerRegistry/registries/gate",
    );
    expect(event.validate()).toBe(true);
    expect(event.specversion).toBe("1.0");
    expect(event.type).toBe(`${NOTIFICATION_TYPE_PREFIX}image.released`);
    expect(event.subject).toBe(`team-a/api@sha256:${"b".repeat(64)}`);
    expect(event.time).toBe("2026-01-01T00:05:00.000Z");
    expect(event.data).toMatchObject({
      image: `gate.azurecr.io/team-a/api@sha256:${"b".repeat(64)}`,
      digest: `sha256:${"b".repeat(64)}`,
      actor: "policy",
      links: { status: "https://gate/api/images/status?image=x" },
    });
    // The structured JSON form parses back to the same event.
    expect(new CloudEvent(JSON.parse(JSON.stringify(event)) as Record<string, unknown>).id).toBe(event.id);
  });

  it("derives the id from the occurrence: the same on a repeat, different for another type, instance or round", () => {
    const id = notificationEventId(request);
    expect(id).toMatch(/^ntf-[0-9a-f]{32}$/);
    expect(buildNotificationEvent({ ...request, at: "2027-01-01T00:00:00.000Z" }, "/s").id).toBe(id);
    expect(notificationEventId({ ...request, type: "image.failed" })).not.toBe(id);
    expect(notificationEventId({ ...request, instanceId: "qp-other" })).not.toBe(id);
    expect(notificationEventId({ ...request, round: "2026-01-02T00:00:00.000Z" })).not.toBe(id);
    expect(notificationEventId({ ...request, round: `${request.round}#50` })).not.toBe(
      notificationEventId({ ...request, round: `${request.round}#90` }),
    );
  });

  it("links approvals to the status API until the approval page exists; other events only to the status", () => {
    expect(buildNotificationEvent({ ...request, type: "approval.requested" }, "/s").data!.links.approval).toBe(
      request.statusUrl,
    );
    expect(buildNotificationEvent(request, "/s").data!.links.approval).toBeUndefined();
  });

  it("uses the registry's resource id as source when known, else its login server", () => {
    const ids = new Map([["gate.azurecr.io", "/subscriptions/s/.../registries/gate"]]);
    expect(eventSource("GATE.azurecr.io", ids)).toBe("/subscriptions/s/.../registries/gate");
    expect(eventSource("localhost:5000", ids)).toBe("localhost:5000");
  });

  it("never carries more than the facts it was given: no token or report fields appear", () => {
    const json = JSON.stringify(buildNotificationEvent(request, "/s"));
    expect(json).not.toMatch(/token|authorization|vulnerabilities/i);
  });
});
