import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { compositionRoot } from "../composition/root.js";
import { answeringErrors } from "../http/errors.js";
import { problem } from "../http/json.js";
import { collectBackfill } from "../sweep/backfill/collect.js";
import { backfillRegistry } from "../sweep/backfill/run.js";
import { DurableShadowEvaluations } from "../sweep/backfill/shadow.js";
import { TIME_LIMITS, runDeadline, selectRegistries } from "../sweep/run.js";
import { backfillDeps } from "../sweep/services.js";
import { observeHttp } from "../observability/triggers.js";

/**
 * Backfill before turning quarantine on (admin key only). POST starts shadow evaluations of every existing image not
 * yet decided (continuing an unfinished backfill; `?restart=true` starts a new one) and answers 202. GET collects what
 * the evaluations say would be blocked, stores the report and answers 200 (404 when no backfill has run).
 * `?registry=` limits either to one gated registry.
 */
export async function backfill(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return answeringErrors(
    async () => {
      const root = compositionRoot();
      const environment = root.sweepEnvironment();
      const registries = selectRegistries(environment, request.query.get("registry") ?? undefined);
      const shadow = new DurableShadowEvaluations(df.getClient(context), root.pipelineSettings());
      if (request.method === "GET") {
        const reports = (
          await Promise.all(
            registries.map((registry) =>
              collectBackfill({
                registry,
                passes: environment.passes,
                shadow,
                reports: environment.reports,
                now: environment.now,
              }),
            ),
          )
        ).filter((r) => r !== undefined);
        if (reports.length === 0) return problem(404, "no backfill has run for these registries; POST to start one");
        return { status: 200, jsonBody: { reports } };
      }
      const restart = request.query.get("restart");
      if (restart !== null && restart !== "true" && restart !== "false")
        return problem(400, "restart must be true or false");
      const deadline = runDeadline(environment, TIME_LIMITS.httpMs);
      const runs = await Promise.all(
        registries.map((registry) =>
          backfillRegistry(backfillDeps(environment, registry, shadow), { deadline, restart: restart === "true" }),
        ),
      );
      for (const run of runs)
        context.log(
          `backfill ${run.registry} ${run.backfillId}: ${run.outcome}, ${run.totals.evaluationsStarted} evaluations started, ${run.totals.alreadyDecided} already decided, ${run.requests.total} requests`,
        );
      return { status: 202, jsonBody: { runs } };
    },
    { exposeConfigProblems: true },
  );
}

app.http("backfill", {
  methods: ["GET", "POST"],
  authLevel: "admin",
  route: "sweep/backfill",
  extraInputs: [df.input.durableClient()],
  handler: observeHttp("backfill", backfill),
});
