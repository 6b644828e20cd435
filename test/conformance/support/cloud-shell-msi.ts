import type { IncomingMessage, ServerResponse } from "node:http";
import { listen, type RunningServer } from "../../../local/http/server.js";
import type { IdentityServer } from "../../../local/identity/server.js";

/**
 * azure-cli 2.45 gets managed-identity tokens through msrestazure: with MSI_ENDPOINT set (and no App Service
 * variables) it POSTs a form (`resource`, optionally `client_id`/`object_id`/`msi_res_id`) with `Metadata: true` to
 * that URL and reads `access_token`, `expires_on` and `token_type` from the JSON answer
 * (/usr/lib/python3/dist-packages/msrestazure/azure_active_directory.py, get_msi_token). The local identity endpoint
 * speaks the App Service protocol (GET, api-version 2019-08-01, X-IDENTITY-HEADER), so this translates one request
 * into the other; the tokens are the identity endpoint's own.
 */
export async function startCloudShellMsi(
  identity: IdentityServer,
): Promise<{ endpoint: string; close(): Promise<void> }> {
  const server: RunningServer = await listen((req, res) => void translate(identity, req, res), {});
  return { endpoint: `http://127.0.0.1:${server.port}/`, close: server.close };
}

async function translate(identity: IdentityServer, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let body = "";
  for await (const chunk of req as AsyncIterable<Buffer>) body += chunk.toString("utf8");
  if (req.method !== "POST" || req.headers.metadata !== "true") {
    res.writeHead(400, { "Content-Type": "application/json" }).end('{"error":"invalid_request"}');
    return;
  }
  const form = new URLSearchParams(body);
  const url = new URL(identity.endpoint);
  url.searchParams.set("api-version", "2019-08-01");
  url.searchParams.set("resource", form.get("resource") ?? "");
  for (const name of ["client_id", "object_id", "msi_res_id"]) {
    const value = form.get(name);
    if (value) url.searchParams.set(name, value);
  }
  const answer = await fetch(url, { headers: { "X-IDENTITY-HEADER": identity.identityHeader } });
  res.writeHead(answer.status, { "Content-Type": "application/json" }).end(await answer.text());
}
