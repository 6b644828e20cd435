import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Ajv } from "ajv";
import draft06 from "ajv/dist/refs/json-schema-draft-06.json" with { type: "json" };
import { buildNotificationEvent, slackMessage, teamsMessage } from "../../../src/notify/index.js";
import type { NotifyRequest } from "../../../src/pipeline/contract/index.js";

// The Adaptive Cards 1.5 schema Microsoft publishes (test/fixtures/adaptive-cards/README.md for its origin).
const schema = JSON.parse(
  readFileSync(new URL("../../fixtures/adaptive-cards/adaptive-card-1.5.0.schema.json", import.meta.url), "utf8"),
) as Record<string, unknown>;
// strict: false because the schema carries its own annotations (version, examples, …), which JSON Schema allows.
const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addMetaSchema(draft06);
// The published file names its URI with draft-04's `id`; in draft-06 (its $schema) that keyword is `$id`, and Ajv 8
// supports only `$id`, so the one keyword is renamed. Nothing else is changed.
const { id: schemaUri, ...schemaBody } = schema;
const validateCard = ajv.compile({ $id: String(schemaUri), ...schemaBody });

const request = (overrides: Partial<NotifyRequest> = {}): NotifyRequest => ({
  type: "approval.requested",
  image: { loginServer: "gate.azurecr.io", repository: "team-a/api", digest: `sha256:${"a".repeat(64)}` },
  tag: "v1",
  instanceId: "qp-1",
  round: "2026-01-01T00:00:00.000Z",
  at: "2026-01-01T00:00:01.000Z",
  facts: {
    decision: "needsApproval",
    severityCounts: { Critical: 0, High: 2, Unknown: 1 },
    policyVersion: "0123456789ab",
    reason: "<@channel> look & see",
    deadline: "2026-01-02T00:00:00.000Z",
  },
  statusUrl: "https://gate.example/api/images/status?image=x",
  ...overrides,
});

describe("the Teams message", () => {
  it("is a message with one Adaptive Card 1.5 that the official schema accepts, with the facts and a button", () => {
    const message = teamsMessage(buildNotificationEvent(request(), "/subscriptions/x"));
    const attachments = message.attachments as Array<{ contentType: string; content: Record<string, unknown> }>;
    expect(message.type).toBe("message");
    expect(attachments).toHaveLength(1);
    expect(attachments[0]!.contentType).toBe("application/vnd.microsoft.card.adaptive");
    const card = attachments[0]!.content;
    expect(validateCard(card), JSON.stringify(validateCard.errors)).toBe(true);
    expect(card.version).toBe("1.5");
    expect(JSON.stringify(card)).toContain("High 2, Unknown 1");
    expect(card.actions).toEqual([
      { type: "Action.OpenUrl", title: "Open approval", url: "https://gate.example/api/images/status?image=x" },
    ]);
  });

  it("the schema refuses a card that is not one (the check can fail)", () => {
    const card = (
      teamsMessage(buildNotificationEvent(request(), "/s")).attachments as Array<{ content: Record<string, unknown> }>
    )[0]!.content;
    expect(validateCard({ ...card, type: "MessageCard" })).toBe(false);
    expect(validateCard({ ...card, body: [{ type: "FactSet" }] })).toBe(false);
  });

  it("every event type makes a valid card, with or without links", () => {
    for (const type of ["image.quarantined", "scan.failed", "sweep.completed"] as const) {
      const event = buildNotificationEvent(
        request({
          type,
          statusUrl: undefined,
          ...(type === "sweep.completed"
            ? {
                image: { loginServer: "gate.azurecr.io", repository: "", digest: "" },
                facts: { counts: { pending: 3 } },
              }
            : {}),
        }),
        "/s",
      );
      const card = (teamsMessage(event).attachments as Array<{ content: unknown }>)[0]!.content;
      expect(validateCard(card), JSON.stringify(validateCard.errors)).toBe(true);
    }
  });
});

describe("the Slack message", () => {
  // Block Kit shapes (https://api.slack.com/reference/block-kit/blocks): header plain_text ≤ 150, section text
  // ≤ 3000 or fields ≤ 10 of ≤ 2000, actions with buttons (plain_text ≤ 75, url ≤ 3000).
  function checkBlocks(blocks: Array<Record<string, unknown>>): void {
    expect(blocks.length).toBeLessThanOrEqual(50);
    for (const block of blocks) {
      if (block.type === "header") {
        const text = block.text as { type: string; text: string };
        expect(text.type).toBe("plain_text");
        expect(text.text.length).toBeLessThanOrEqual(150);
      } else if (block.type === "section") {
        const fields = block.fields as Array<{ type: string; text: string }> | undefined;
        const text = block.text as { type: string; text: string } | undefined;
        expect(Boolean(fields) || Boolean(text)).toBe(true);
        if (text) expect(text.text.length).toBeLessThanOrEqual(3000);
        if (fields) {
          expect(fields.length).toBeLessThanOrEqual(10);
          for (const f of fields) {
            expect(["mrkdwn", "plain_text"]).toContain(f.type);
            expect(f.text.length).toBeLessThanOrEqual(2000);
          }
        }
      } else if (block.type === "actions") {
        for (const element of block.elements as Array<Record<string, unknown>>) {
          expect(element.type).toBe("button");
          expect((element.text as { type: string; text: string }).type).toBe("plain_text");
          expect((element.text as { text: string }).text.length).toBeLessThanOrEqual(75);
          expect(String(element.url).length).toBeLessThanOrEqual(3000);
        }
      } else throw new Error(`unexpected block type ${String(block.type)}`);
    }
  }

  it("has a fallback text, a header, the reason escaped, the facts and a link button", () => {
    const message = slackMessage(buildNotificationEvent(request(), "/s"));
    expect(typeof message.text).toBe("string");
    const blocks = message.blocks as Array<Record<string, unknown>>;
    checkBlocks(blocks);
    expect(blocks.map((b) => b.type)).toEqual(["header", "section", "section", "actions"]);
    expect((blocks[1]!.text as { text: string }).text).toBe("&lt;@channel&gt; look &amp; see");
  });

  it("cuts long values to Block Kit's limits", () => {
    const long = "x".repeat(5000);
    const event = buildNotificationEvent(
      request({
        facts: { reason: long, actor: long },
        image: { loginServer: "g.io", repository: "r".repeat(200), digest: "sha256:1" },
      }),
      "/s",
    );
    checkBlocks(slackMessage(event).blocks as Array<Record<string, unknown>>);
  });
});
