import { describe, expect, it } from "vitest";
import { EventType, historyEvent, OrchestrationStatusCode } from "../../../local/devhost/durable/replay/history.js";
import { formatHistory, toStatusPayload } from "../../../local/devhost/durable/client/status-format.js";

const t = (s: number): Date => new Date(Date.UTC(2024, 0, 1, 0, 0, s));

describe("status payloads like the Durable extension's", () => {
  it("parses stored JSON values, keeps raw text, and formats times to the second", () => {
    const payload = toStatusPayload(
      {
        instanceId: "i",
        name: "o",
        executionId: "e",
        runtimeStatus: "Terminated",
        input: '{"a":1}',
        output: "stopped by admin",
        customStatus: '"waiting"',
        createdTime: new Date("2024-01-01T00:00:00.123Z"),
        lastUpdatedTime: new Date("2024-01-01T00:00:05.900Z"),
      },
      { showInput: true },
    );
    expect(payload).toEqual({
      name: "o",
      instanceId: "i",
      runtimeStatus: "Terminated",
      input: { a: 1 },
      customStatus: "waiting",
      output: "stopped by admin",
      createdTime: "2024-01-01T00:00:00Z",
      lastUpdatedTime: "2024-01-01T00:00:05Z",
    });
  });

  it("folds scheduling events into their completions and drops episode markers", () => {
    const history = [
      historyEvent.orchestratorStarted(t(0)),
      historyEvent.executionStarted(t(0), { name: "o", input: '"in"', instanceId: "i", executionId: "e" }),
      historyEvent.taskScheduled(t(0), 0, "act", '"x"'),
      historyEvent.orchestratorCompleted(t(0)),
      historyEvent.orchestratorStarted(t(1)),
      historyEvent.taskCompleted(t(1), 0, '{"ok":true}'),
      historyEvent.executionCompleted(t(1), OrchestrationStatusCode.Completed, '"done"'),
      historyEvent.orchestratorCompleted(t(1)),
    ];
    expect(formatHistory(history, { showHistoryOutput: true, showInput: true })).toEqual([
      { EventType: "ExecutionStarted", Timestamp: t(0).toISOString(), Input: '"in"', FunctionName: "o" },
      {
        EventType: "TaskCompleted",
        Timestamp: t(1).toISOString(),
        Result: { ok: true },
        ScheduledTime: t(0).toISOString(),
        FunctionName: "act",
        Input: '"x"',
      },
      {
        EventType: "ExecutionCompleted",
        Timestamp: t(1).toISOString(),
        OrchestrationStatus: "Completed",
        Result: "done",
      },
    ]);
    const quiet = formatHistory(history, { showHistoryOutput: false, showInput: false });
    expect(quiet.map((e) => e.EventType)).toEqual(["ExecutionStarted", "TaskCompleted", "ExecutionCompleted"]);
    expect(quiet.some((e) => "Result" in e || "Input" in e)).toBe(false);
    expect(EventType[EventType.TimerFired]).toBe("TimerFired");
  });
});
