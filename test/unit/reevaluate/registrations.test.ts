import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  REEVALUATION_ACTIVITY,
  REEVALUATION_IDEMPOTENCY,
  REEVALUATION_ORCHESTRATION,
  reevaluationActivityHandler,
} from "../../../src/pipeline/contract/reevaluation.js";
import { projectRoot } from "../../support/paths.js";

const source = (file: string) => readFileSync(join(projectRoot, "src", "functions", file), "utf8");
const literals = (text: string, what: string) =>
  [...text.matchAll(new RegExp(`df\\.app\\.${what}\\(\\s*"([^"]+)"`, "g"))].map((m) => m[1]).sort();

describe("re-evaluation registrations spell the contract's names", () => {
  it("every activity once, each with its idempotency line", () => {
    const names = Object.values(REEVALUATION_ACTIVITY).sort();
    expect(literals(source("reevaluationActivities.ts"), "activity")).toEqual(names);
    expect(Object.keys(REEVALUATION_IDEMPOTENCY).sort()).toEqual(names);
  });

  it("the orchestration", () => {
    expect(literals(source("reevaluationRun.ts"), "orchestration")).toEqual(Object.values(REEVALUATION_ORCHESTRATION));
  });

  it("a handler for a name outside the contract is refused", () => {
    expect(() => reevaluationActivityHandler("inspectImage" as never, async () => undefined as never)).toThrow(
      /not a re-evaluation activity/,
    );
  });
});
