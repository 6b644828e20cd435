import * as df from "durable-functions";
import { compositionRoot } from "../composition/root.js";
import { REEVALUATION_ACTIVITY, reevaluationActivityHandler } from "../pipeline/contract/reevaluation.js";
import { enforceRemediation } from "../reevaluate/enforce.js";
import { listCandidates } from "../reevaluate/list-candidates.js";
import { reevaluationLine } from "../reevaluate/log-line.js";
import { reevaluateImage } from "../reevaluate/reevaluate-image.js";

// Event lines go to the worker's console, which the host forwards like context.log (docs/operations.md).
const log = (fields: Record<string, unknown>) => console.info(reevaluationLine(fields));

df.app.activity("listReevaluationCandidates", {
  handler: reevaluationActivityHandler(REEVALUATION_ACTIVITY.listReevaluationCandidates, async ({ now }) => {
    const services = compositionRoot().reevaluationServices();
    const { candidates, concurrency } = await listCandidates(services.list, new Date(now));
    return {
      concurrency,
      candidates: candidates.map((c) => ({
        image: { loginServer: c.loginServer, repository: c.repository, digest: c.digest },
        why: c.why,
      })),
    };
  }),
});

df.app.activity("reevaluateImage", {
  handler: reevaluationActivityHandler(REEVALUATION_ACTIVITY.reevaluateImage, (input) =>
    reevaluateImage({ ...compositionRoot().reevaluationServices().reevaluate, log }, input),
  ),
});

df.app.activity("enforceRemediation", {
  handler: reevaluationActivityHandler(REEVALUATION_ACTIVITY.enforceRemediation, (input) =>
    enforceRemediation({ ...compositionRoot().reevaluationServices().enforce, log }, input),
  ),
});
