import { OrchestrationRuntimeStatus, type DurableClient } from "durable-functions";
import { REEVALUATION_ORCHESTRATION } from "./contract/reevaluation.js";

/**
 * The re-evaluation run still going, if any. Two runs at once would judge the same images side by side (their audit
 * keys are per run, so both would write), so neither the timer nor `POST api/reevaluation/run` starts one while another
 * is live.
 */
export async function liveReevaluationRun(client: DurableClient): Promise<string | undefined> {
  const live = await client.getStatusBy({
    runtimeStatus: [OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Pending],
  });
  return live.find((status) => status.name === REEVALUATION_ORCHESTRATION.reevaluationRun)?.instanceId;
}
