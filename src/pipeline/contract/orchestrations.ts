import * as df from "durable-functions";
import type { OrchestrationHandler } from "durable-functions";
import type { OrchestrationName } from "./names.js";

/** Registers an orchestration under its contract name. */
export function registerOrchestration(name: OrchestrationName, handler: OrchestrationHandler): void {
  df.app.orchestration(name, handler);
}
