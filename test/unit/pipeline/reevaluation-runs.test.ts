import type { DurableClient } from "durable-functions";
import { describe, expect, it } from "vitest";
import { liveReevaluationRun } from "../../../src/pipeline/reevaluation-runs.js";

const client = (statuses: Array<{ name: string; instanceId: string }>, asked: unknown[] = []) =>
  ({
    getStatusBy: async (filter: unknown) => {
      asked.push(filter);
      return statuses;
    },
  }) as unknown as DurableClient;

describe("the live re-evaluation run", () => {
  it("is the running or pending reevaluationRun, never another orchestration", async () => {
    const asked: unknown[] = [];
    expect(
      await liveReevaluationRun(
        client(
          [
            { name: "quarantinePipeline", instanceId: "qp-1" },
            { name: "reevaluationRun", instanceId: "re-20261203T000000000Z" },
          ],
          asked,
        ),
      ),
    ).toBe("re-20261203T000000000Z");
    expect(asked).toEqual([{ runtimeStatus: ["Running", "Pending"] }]);
    expect(
      await liveReevaluationRun(client([{ name: "notifyDelivery", instanceId: "ntf-1.webhook" }])),
    ).toBeUndefined();
  });
});
