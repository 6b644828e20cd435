import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { readFileSync } from "node:fs";
import { observeHttp } from "../observability/triggers.js";

const version = (
  JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string }
).version;

/** Liveness for deploy checks and the local launcher: answers without touching the registry or storage. */
export async function health(_request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  return { status: 200, jsonBody: { status: "ok", version } };
}

app.http("health", {
  methods: ["GET"],
  authLevel: "anonymous",
  route: "health",
  handler: observeHttp("health", health),
});
