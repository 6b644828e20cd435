import { app, type InvocationContext, type Timer } from "@azure/functions";
import * as df from "durable-functions";
import { compositionRoot, notificationParts } from "../composition/root.js";
import { afterSweep } from "../notify/index.js";
import { notifyEventStarter } from "../pipeline/contract/index.js";
import { sweepTimerSchedule } from "../config.js";
import { DurablePipelineDirectory } from "../sweep/durable-pipelines.js";
import { summaryLine } from "../sweep/report.js";
import { TIME_LIMITS, runComplianceSweep } from "../sweep/run.js";
import { observeTimer } from "../observability/triggers.js";

/** The scheduled compliance sweep: management checks, stuck and missed images, a report per registry. */
export async function complianceSweep(timer: Timer, context: InvocationContext): Promise<void> {
  const root = compositionRoot();
  const pipelines = new DurablePipelineDirectory(df.getClient(context), root.pipelineSettings(), {
    claims: root.startClaims(),
    clock: () => root.clock(),
  });
  const reports = await runComplianceSweep(root.sweepEnvironment(), pipelines, {
    trigger: timer.isPastDue ? "timer (past due)" : "timer",
    timeLimitMs: TIME_LIMITS.timerMs,
  });
  for (const report of reports) {
    if (report.outcome === "stopped-by-error") context.warn(summaryLine(report));
    else context.log(summaryLine(report));
  }
  await afterSweep(
    reports,
    notificationParts(root, (line) => context.log(line), notifyEventStarter(df.getClient(context))),
  );
}

app.timer("complianceSweep", {
  schedule: sweepTimerSchedule(),
  extraInputs: [df.input.durableClient()],
  handler: observeTimer("sweep", complianceSweep),
});
