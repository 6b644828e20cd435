import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { compositionRoot } from "../composition/root.js";
import { answeringErrors } from "../http/errors.js";
import { problem } from "../http/json.js";
import { observeHttp } from "../observability/triggers.js";
import { REEVALUATION_ORCHESTRATION, reevaluationInstanceId } from "../pipeline/contract/reevaluation.js";
import { liveReevaluationRun } from "../pipeline/reevaluation-runs.js";

/**
 * Starts a re-evaluation run now (admin key only), as the timer would, e.g. after new advisory data or a VEX document
 * was published. Each request is a run of its own (its id is the request's time, to the millisecond); while another
 * run is going, 409 names it and nothing starts. 202 names the run: its status is the durable instance's.
 */
export async function reevaluationRunNow(_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return answeringErrors(
    async () => {
      const root = compositionRoot();
      const client = df.getClient(context);
      const running = await liveReevaluationRun(client);
      if (running)
        return problem(409, `re-evaluation run ${running} is still going`, {
          code: "ERR_REEVALUATION_RUNNING",
          instanceId: running,
        });
      const runId = root.clock().toISOString();
      const instanceId = reevaluationInstanceId(runId);
      await client.startNew(REEVALUATION_ORCHESTRATION.reevaluationRun, { instanceId, input: { runId } });
      context.log(`re-evaluation ${instanceId} started (http)`);
      return { status: 202, jsonBody: { instanceId, runId } };
    },
    { exposeConfigProblems: true },
  );
}

app.http("reevaluationRunNow", {
  methods: ["POST"],
  authLevel: "admin",
  route: "reevaluation/run",
  extraInputs: [df.input.durableClient()],
  handler: observeHttp("reevaluation", reevaluationRunNow),
});
