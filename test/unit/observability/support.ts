import { InvocationContext, type LogLevel } from "@azure/functions";
import { parseEventLine, type GateEvent } from "../../../src/observability/event-line.js";

export interface Logged {
  level: LogLevel;
  line: string;
  event: (GateEvent & { v: number }) | undefined;
}

/** A real @azure/functions InvocationContext whose log handler keeps every line (what the worker would forward). */
export function capturingContext(init: { functionName?: string; triggerMetadata?: Record<string, unknown> } = {}): {
  context: InvocationContext;
  logged: Logged[];
} {
  const logged: Logged[] = [];
  const context = new InvocationContext({
    functionName: init.functionName ?? "test",
    invocationId: "inv-1",
    triggerMetadata: init.triggerMetadata,
    logHandler: (level, ...args) => {
      const line = args.map(String).join(" ");
      logged.push({ level, line, event: parseEventLine(line) });
    },
  });
  return { context, logged };
}
