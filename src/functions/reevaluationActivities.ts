import type { InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { compositionRoot } from "../composition/root.js";
import { REEVALUATION_ACTIVITY, reevaluationActivityHandler } from "../pipeline/contract/reevaluation.js";
import { enforceRemediation } from "../reevaluate/enforce.js";
import { listCandidates } from "../reevaluate/list-candidates.js";
import { reevaluationLine } from "../reevaluate/log-line.js";
import { reevaluateImage } from "../reevaluate/reevaluate-image.js";
import { LOG_ONLY_NOTIFIER, type RemediationNotifier } from "../reevaluate/notifier.js";
import { notifyStreamNotifier } from "../reevaluate/notify-stream.js";
import { notifyEventStarter } from "../pipeline/contract/index.js";
import { statusLink } from "../pipeline/input.js";

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

/**
 * Remediation events and enforcements go to the notifications stream when NOTIFY_SUBSCRIPTIONS is set (handed to the
 * delivery orchestrations through this activity's durable client, as the notify activity does), else to the audit
 * and the event line alone. Settings that cannot be used leave re-evaluation working, with a line saying why.
 */
function remediationNotifier(context: InvocationContext): RemediationNotifier {
  const root = compositionRoot();
  let notifier: ReturnType<typeof root.notifier>;
  try {
    notifier = root.notifier();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    log({ event: "notify-failed", error: typeof code === "string" ? code : (error as Error).name });
    return LOG_ONLY_NOTIFIER;
  }
  if (!notifier) return LOG_ONLY_NOTIFIER;
  const base = root.pipelineSettings().statusBaseUrl;
  return notifyStreamNotifier(
    notifier,
    notifyEventStarter(df.getClient(context)),
    base ? (image) => statusLink(base, image) : undefined,
  );
}

df.app.activity("reevaluateImage", {
  extraInputs: [df.input.durableClient()],
  handler: reevaluationActivityHandler(REEVALUATION_ACTIVITY.reevaluateImage, (input, context) =>
    reevaluateImage(
      { ...compositionRoot().reevaluationServices().reevaluate, notifier: remediationNotifier(context), log },
      input,
    ),
  ),
});

df.app.activity("enforceRemediation", {
  extraInputs: [df.input.durableClient()],
  handler: reevaluationActivityHandler(REEVALUATION_ACTIVITY.enforceRemediation, (input, context) =>
    enforceRemediation(
      { ...compositionRoot().reevaluationServices().enforce, notifier: remediationNotifier(context), log },
      input,
    ),
  ),
});
