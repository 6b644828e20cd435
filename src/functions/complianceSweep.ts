import { app, type InvocationContext, type Timer } from "@azure/functions";
import * as df from "durable-functions";
import { DEFAULTS } from "../config.js";
import { DurablePipelineDirectory } from "../sweep/durable-pipelines.js";
import { summaryLine } from "../sweep/report.js";
import { TIME_LIMITS, runComplianceSweep } from "../sweep/run.js";
import { sweepEnvironment } from "../sweep/services.js";

/** The scheduled compliance sweep: management checks, stuck and missed images, a report per registry. */
export async function complianceSweep(timer: Timer, context: InvocationContext): Promise<void> {
  const reports = await runComplianceSweep(sweepEnvironment(), new DurablePipelineDirectory(df.getClient(context)), {
    trigger: timer.isPastDue ? "timer (past due)" : "timer",
    timeLimitMs: TIME_LIMITS.timerMs,
  });
  for (const report of reports) {
    if (report.outcome === "stopped-by-error") context.warn(summaryLine(report));
    else context.log(summaryLine(report));
  }
}

app.timer("complianceSweep", {
  // The host resolves %SWEEP_SCHEDULE% from the app settings, and fails to start when the setting is missing; without
  // the setting the schedule is the documented default.
  schedule: process.env.SWEEP_SCHEDULE?.trim() ? "%SWEEP_SCHEDULE%" : DEFAULTS.SWEEP_SCHEDULE,
  extraInputs: [df.input.durableClient()],
  handler: complianceSweep,
});
