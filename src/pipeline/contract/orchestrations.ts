import { observeOrchestration } from "../../observability/orchestration.js";
import * as df from "durable-functions";
import type { OrchestrationHandler } from "durable-functions";
import type { OrchestrationName } from "./names.js";

/** Registers an orchestration under its contract name; it logs its start, stages and outcome (src/observability). */
export function registerOrchestration(name: OrchestrationName, handler: OrchestrationHandler): void {
  df.app.orchestration(name, observeOrchestration(name, handler));
}
