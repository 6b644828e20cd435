import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { compositionRoot } from "../composition/root.js";
import { problem } from "../http/json.js";
import { parseImageReference } from "../pipeline/contract/index.js";
import { imageStatus as readImageStatus } from "../pipeline/image-status.js";
import { observeHttp } from "../observability/triggers.js";

/** Where an image is in the gate and why: stage, verdict and reasons, who decided, and its audit timeline. */
export async function imageStatus(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const reference = request.query.get("image");
  const image = reference ? parseImageReference(reference) : undefined;
  if (!image) return problem(400, "give ?image=<loginServer>/<repository>@sha256:<digest>");
  const status = await readImageStatus(df.getClient(context), compositionRoot().audit(), image);
  return { status: status.known ? 200 : 404, jsonBody: status };
}

app.http("imageStatus", {
  methods: ["GET"],
  authLevel: "function",
  route: "images/status",
  extraInputs: [df.input.durableClient()],
  handler: observeHttp("status", imageStatus),
});
