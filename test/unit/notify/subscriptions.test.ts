import { describe, expect, it } from "vitest";
import { SubscriptionDocumentError, parseSubscriptions } from "../../../src/notify/index.js";

const sinks = {
  siem: { kind: "eventgrid" },
  hooks: { kind: "webhook" },
  "team-a": { kind: "teams" },
  "team-b": { kind: "slack" },
};

function problems(document: unknown): Array<{ pointer: string; message: string }> {
  try {
    parseSubscriptions(document);
  } catch (error) {
    expect(error).toBeInstanceOf(SubscriptionDocumentError);
    expect((error as SubscriptionDocumentError).code).toBe("ERR_NOTIFY_SUBSCRIPTIONS");
    return [...(error as SubscriptionDocumentError).problems];
  }
  throw new Error("the document was accepted");
}

describe("the subscription document", () => {
  const router = parseSubscriptions(
    JSON.stringify({
      version: 1,
      sinks,
      subscriptions: [
        { sinks: ["siem", "hooks"] },
        { sinks: ["team-a"], types: ["approval.*", "image.failed"], repositories: ["Team-A/**"] },
        { sinks: ["team-b"], repositories: ["team-b/*"] },
      ],
    }),
  );

  it("routes by event type glob and repository glob (case-insensitive), each sink once", () => {
    expect(router.sinksFor("approval.requested", "team-a/api")).toEqual(["siem", "hooks", "team-a"]);
    expect(router.sinksFor("scan.completed", "team-a/api")).toEqual(["siem", "hooks"]);
    expect(router.sinksFor("image.failed", "team-b/web")).toEqual(["siem", "hooks", "team-b"]);
    expect(router.sinksFor("image.failed", "team-b/web/deep")).toEqual(["siem", "hooks"]);
  });

  it("sends registry-wide events (no repository) only to subscriptions for every repository", () => {
    expect(router.sinksFor("sweep.completed", undefined)).toEqual(["siem", "hooks"]);
  });

  it("names every problem with its JSON pointer", () => {
    const found = problems({
      version: 2,
      sinks: {
        Bad_Name: { kind: "teams" },
        w: { kind: "webhook", endpoint: "https://x.example/" },
        t: { kind: "pager" },
        e: { kind: "eventgrid", endpoint: "http://insecure.example/api/events" },
      },
      subscriptions: [{ sinks: [], extra: true }],
      more: 1,
    });
    const pointers = found.map((p) => p.pointer);
    expect(pointers).toContain("/version");
    expect(pointers).toContain("/sinks");
    expect(pointers).toContain("/sinks/w");
    expect(pointers).toContain("/sinks/t/kind");
    expect(pointers).toContain("/sinks/e/endpoint");
    expect(pointers).toContain("/subscriptions/0");
    expect(pointers).toContain("/subscriptions/0/sinks");
    expect(pointers).toContain("");
  });

  it("refuses unknown sinks, globs that do not compile and type globs that match nothing", () => {
    const found = problems({
      version: 1,
      sinks,
      subscriptions: [{ sinks: ["siem", "nope"], types: ["image.relased"], repositories: ["team/**("] }],
    });
    expect(found).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ pointer: "/subscriptions/0/sinks/1" }),
        expect.objectContaining({ pointer: "/subscriptions/0/types/0" }),
        expect.objectContaining({ pointer: "/subscriptions/0/repositories/0" }),
      ]),
    );
  });

  it("refuses text that is not JSON, and a secret put into the document (no property may hold one)", () => {
    expect(problems("{ nope")[0]!.message).toMatch(/not JSON/);
    const found = problems({
      version: 1,
      sinks: { hooks: { kind: "webhook", url: "https://example.com/hook", secret: "whsec_abc" } },
      subscriptions: [],
    });
    expect(found.map((p) => p.message).join(" ")).toMatch(/"url"/);
    expect(found.map((p) => p.message).join(" ")).toMatch(/"secret"/);
  });
});
