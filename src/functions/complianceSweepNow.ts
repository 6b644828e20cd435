import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { compositionRoot, notificationParts } from "../composition/root.js";
import { afterSweep } from "../notify/index.js";
import { notifyEventStarter } from "../pipeline/contract/index.js";
import { answeringErrors } from "../http/errors.js";
import { problem } from "../http/json.js";
import { DurablePipelineDirectory } from "../sweep/durable-pipelines.js";
import { summaryLine } from "../sweep/report.js";
import { TIME_LIMITS, runComplianceSweep, selectRegistries } from "../sweep/run.js";
import { observeHttp } from "../observability/triggers.js";

/**
 * Runs the compliance sweep now (admin key only), for every gated registry or `?registry=`, and answers with the
 * reports. `?timeLimitSeconds=` (1–200) shortens the run; an unfinished pass resumes on the next run.
 */
export async function complianceSweepNow(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const limitText = request.query.get("timeLimitSeconds");
  const limitSeconds = limitText === null ? TIME_LIMITS.httpMs / 1000 : Number(limitText);
  if (!Number.isInteger(limitSeconds) || limitSeconds < 1 || limitSeconds > TIME_LIMITS.httpMs / 1000) {
    return problem(400, `timeLimitSeconds must be a whole number from 1 to ${TIME_LIMITS.httpMs / 1000}`);
  }
  return answeringErrors(
    async () => {
      const root = compositionRoot();
      const environment = root.sweepEnvironment();
      const registries = selectRegistries(environment, request.query.get("registry") ?? undefined);
      const pipelines = new DurablePipelineDirectory(df.getClient(context), root.pipelineSettings(), {
        claims: root.startClaims(),
        clock: () => root.clock(),
      });
      const reports = await runComplianceSweep(environment, pipelines, {
        trigger: "http",
        timeLimitMs: limitSeconds * 1000,
        registries,
      });
      for (const report of reports) context.log(summaryLine(report));
      await afterSweep(
        reports,
        notificationParts(root, (line) => context.log(line), notifyEventStarter(df.getClient(context))),
      );
      return { status: 200, jsonBody: { reports, summaries: reports.map(summaryLine) } };
    },
    { exposeConfigProblems: true },
  );
}

app.http("complianceSweepNow", {
  methods: ["POST"],
  authLevel: "admin",
  route: "sweep/run",
  extraInputs: [df.input.durableClient()],
  handler: observeHttp("sweep", complianceSweepNow),
});
