import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { readFileSync } from "node:fs";
import { observeHttp } from "../observability/triggers.js";
import { compositionRoot } from "../composition/root.js";
import { healthAnswer } from "../http/health.js";

const version = (
  JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string }
).version;

/**
 * Health for deploy checks, load balancers and the local launcher: whether storage and every gated registry answer
 * (reachability only: no secrets, no tokens). 503 with Retry-After while storage is out of reach.
 */
export async function health(_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const root = compositionRoot();
  logPolicyWarnings(root, context);
  return healthAnswer(root.healthProbes(), version);
}

let warned = false;

/**
 * The answer shows only how many load warnings the policy has (it is anonymous); their text, with JSON pointers, goes
 * to the operator's log once per process: deploy checks and the local launcher call health first.
 */
function logPolicyWarnings(root: ReturnType<typeof compositionRoot>, context: InvocationContext): void {
  if (warned) return;
  try {
    const { version, warnings } = root.policy();
    warned = true;
    for (const warning of warnings) context.warn(`policy ${version}: ${warning}`);
  } catch {
    // Not loading is shown in the answer (policy.loaded false) and fails every judgement closed.
  }
}

app.http("health", {
  methods: ["GET"],
  authLevel: "anonymous",
  route: "health",
  handler: observeHttp("health", health),
});
