import { fileURLToPath } from "node:url";
import { app, type HttpRequest, type HttpResponseInit } from "@azure/functions";
import { approvalConfig } from "../config.js";
import { pageConfig } from "../pipeline/views/page-config.js";
import { pageSecurityHeaders, readStaticFile } from "../pipeline/views/static-files.js";
import { observeHttp } from "../observability/triggers.js";

/** Vite's output (web/ built into dist/src/web by `npm run build`), next to this file's compiled folder. */
const WEB_ROOT = fileURLToPath(new URL("../web/", import.meta.url));

/**
 * The approval page: static files of the single-page app, and `config.json` (how the page signs in). Anonymous, since
 * a browser cannot send a function key; everything the page shows comes from the bearer-token APIs (approvals,
 * views/*), which check the caller's token and role. Strict CSP, no inline script; unknown or unsafe paths are 404.
 */
export async function approvalPage(request: HttpRequest): Promise<HttpResponseInit> {
  const path = request.params.path;
  const settings = approvalConfig();
  const config = pageConfig(settings);
  const signIn = config ? [new URL(config.authority).origin] : [];
  const security = pageSecurityHeaders(signIn);
  if (path === "config.json") {
    return {
      status: 200,
      headers: { ...security, "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" },
      body: JSON.stringify(config ? { signIn: config } : { signIn: null, reason: "approvals are closed" }),
    };
  }
  const file = await readStaticFile(WEB_ROOT, path);
  if (!file)
    return {
      status: 404,
      headers: { ...security, "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" },
      body: "not found",
    };
  return {
    status: 200,
    headers: {
      ...security,
      "Content-Type": file.contentType,
      "Cache-Control": file.immutable ? "public, max-age=31536000, immutable" : "no-cache",
    },
    body: file.body,
  };
}

app.http("approvalPage", {
  methods: ["GET"],
  authLevel: "anonymous",
  route: "ui/{*path}",
  handler: observeHttp("page", approvalPage),
});
