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
export async function health(_request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  return healthAnswer(compositionRoot().healthProbes(), version);
}

app.http("health", {
  methods: ["GET"],
  authLevel: "anonymous",
  route: "health",
  handler: observeHttp("health", health),
});
