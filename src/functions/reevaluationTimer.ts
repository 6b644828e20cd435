import { app, type InvocationContext, type Timer } from "@azure/functions";
import * as df from "durable-functions";
import { compositionRoot } from "../composition/root.js";
import { reevaluationTimerSchedule } from "../config-reevaluation.js";
import { observeTimer } from "../observability/triggers.js";
import { isRestartable } from "../pipeline/contract/runtime-status.js";
import { REEVALUATION_ORCHESTRATION, reevaluationInstanceId } from "../pipeline/contract/reevaluation.js";
import { liveReevaluationRun } from "../pipeline/reevaluation-runs.js";

/**
 * The scheduled re-evaluation of released images (docs/reevaluation.md): starts one reevaluationRun per tick, its id
 * from the tick's scheduled time, so a tick delivered twice starts one run; while any run is still going (this tick's,
 * an earlier one's or one started by `POST api/reevaluation/run`), no other starts.
 */
export async function reevaluationTimer(timer: Timer, context: InvocationContext): Promise<void> {
  const root = compositionRoot();
  // The tick's minute: a tick delivered twice (or by two instances) names the same run.
  const minute = Math.floor(root.clock().getTime() / 60_000) * 60_000;
  const runId = new Date(minute).toISOString();
  if (timer.isPastDue) context.warn(`re-evaluation tick is past due; run ${runId}`);
  const client = df.getClient(context);
  const instanceId = reevaluationInstanceId(runId);
  let existing: string | undefined;
  try {
    existing = String((await client.getStatus(instanceId, { showInput: false })).runtimeStatus);
  } catch (error) {
    if (!/404|not found/i.test(String((error as Error).message))) throw error;
  }
  if (existing !== undefined && !isRestartable(existing))
    return void context.log(`re-evaluation ${instanceId}: ${existing}`);
  const running = await liveReevaluationRun(client);
  if (running) return void context.log(`re-evaluation ${running} is still going; tick ${runId} left out`);
  await client.startNew(REEVALUATION_ORCHESTRATION.reevaluationRun, { instanceId, input: { runId } });
  context.log(`re-evaluation ${instanceId} started`);
}

app.timer("reevaluationTimer", {
  schedule: reevaluationTimerSchedule(),
  extraInputs: [df.input.durableClient()],
  handler: observeTimer("reevaluation", reevaluationTimer),
});
