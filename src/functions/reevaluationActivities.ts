import { compositionRoot } from "../composition/root.js";
import { REEVALUATION_ACTIVITY, registerReevaluationActivity } from "../pipeline/contract/reevaluation.js";
import { enforceRemediation } from "../reevaluate/enforce.js";
import { listCandidates } from "../reevaluate/list-candidates.js";
import { reevaluationLine } from "../reevaluate/log-line.js";
import { reevaluateImage } from "../reevaluate/reevaluate-image.js";

// Event lines go to the worker's console, which the host forwards like context.log (docs/operations.md).
const log = (fields: Record<string, unknown>) => console.info(reevaluationLine(fields));

registerReevaluationActivity(REEVALUATION_ACTIVITY.listReevaluationCandidates, async ({ now }) => {
  const { candidates, concurrency } = await listCandidates(
    compositionRoot().reevaluationServices().list,
    new Date(now),
  );
  return {
    concurrency,
    candidates: candidates.map((c) => ({
      image: { loginServer: c.loginServer, repository: c.repository, digest: c.digest },
      why: c.why,
    })),
  };
});

registerReevaluationActivity(REEVALUATION_ACTIVITY.reevaluateImage, (input) =>
  reevaluateImage({ ...compositionRoot().reevaluationServices().reevaluate, log }, input),
);

registerReevaluationActivity(REEVALUATION_ACTIVITY.enforceRemediation, (input) =>
  enforceRemediation({ ...compositionRoot().reevaluationServices().enforce, log }, input),
);
