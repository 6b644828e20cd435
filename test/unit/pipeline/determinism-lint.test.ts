import { describe, expect, it } from "vitest";
import { ESLint } from "eslint";
import { projectRoot } from "../../support/paths.js";

/** Lints a snippet as if it were a file among the orchestrations (or elsewhere), with the project's own config. */
async function lint(code: string, filePath = "src/pipeline/orchestration/snippet.ts"): Promise<string[]> {
  const eslint = new ESLint({ cwd: projectRoot });
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe("the determinism lint on orchestrations", () => {
  it.each([
    ["Date.now()", "export const t = Date.now();", /no-restricted-properties.*currentUtcDateTime/],
    ["new Date()", "export const t = new Date();", /no-restricted-syntax.*wall clock/],
    ["Date()", "export const t = Date();", /no-restricted-syntax.*wall clock/],
    ["Math.random()", "export const r = Math.random();", /no-restricted-properties.*newGuid/],
    ["performance.now()", "export const t = performance.now();", /no-restricted-properties/],
    ["fetch", 'export const p = fetch("https://x");', /no-restricted-globals/],
    ["setTimeout", "setTimeout(() => undefined, 1);", /no-restricted-globals/],
    ["process.env", "export const e = process.env.X;", /no-restricted-globals/],
    [
      "node:fs",
      'import { readFileSync } from "node:fs";\nexport const f = readFileSync;',
      /no-restricted-imports.*no I\/O/,
    ],
    ["node:http", 'import * as http from "node:http";\nexport const h = http;', /no-restricted-imports/],
    ["https", 'import * as https from "https";\nexport const h = https;', /no-restricted-imports/],
    ["node:crypto", 'import { randomUUID } from "node:crypto";\nexport const u = randomUUID;', /no-restricted-imports/],
    [
      "an Azure SDK client",
      'import { TableClient } from "@azure/data-tables";\nexport const t = TableClient;',
      /no-restricted-imports.*activities/,
    ],
    [
      "the registry client",
      'import { createAcrClient } from "../../acr/index.js";\nexport const c = createAcrClient;',
      /no-restricted-imports.*activities/,
    ],
    [
      "storage",
      'import { tableClient } from "../../storage/clients.js";\nexport const c = tableClient;',
      /no-restricted-imports/,
    ],
    [
      "the settings",
      'import { gateConfig } from "../../config.js";\nexport const c = gateConfig;',
      /no-restricted-imports/,
    ],
  ])("refuses %s", async (_what, code, expected) => {
    const messages = await lint(code);
    expect(messages.some((m) => expected.test(m))).toBe(true);
  });

  it("accepts what orchestrations may use: the durable clock, dates from it, the contract, durable-functions", async () => {
    const code = [
      'import type { OrchestrationContext } from "durable-functions";',
      'import { ACTIVITY } from "../contract/index.js";',
      "export const at = (c: OrchestrationContext) => new Date(c.df.currentUtcDateTime.getTime() + 1000);",
      'export const parsed = Date.parse("2024-01-01T00:00:00Z");',
      "export const name = ACTIVITY.inspectImage;",
    ].join("\n");
    expect(await lint(code)).toEqual([]);
  });

  it("applies to orchestrations only: the same code elsewhere in src/ is allowed", async () => {
    expect(await lint("export const t = Date.now();", "src/pipeline/steps/snippet.ts")).toEqual([]);
  });

  it("the orchestrations as they are pass it", async () => {
    const eslint = new ESLint({ cwd: projectRoot });
    const results = await eslint.lintFiles(["src/pipeline/orchestration/**/*.ts"]);
    expect(results.length).toBeGreaterThanOrEqual(5);
    expect(results.flatMap((r) => r.messages)).toEqual([]);
  });
});
