import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { compositionRoot } from "../composition/root.js";
import { observeHttp } from "../observability/triggers.js";

/**
 * The public key(s) that verify the gate's signed decisions, as a JWKS (RFC 7517), anonymous: public keys only,
 * never the private key (in Azure it never leaves Key Vault). 404 when no signing key is configured.
 */
export async function attestationKeys(_request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const services = compositionRoot().attestation();
  if (!services) return { status: 404, jsonBody: { error: "no attestation signing key is configured" } };
  return {
    status: 200,
    headers: { "Content-Type": "application/jwk-set+json", "Cache-Control": "public, max-age=300" },
    body: JSON.stringify(await services.jwks()),
  };
}

app.http("attestationKeys", {
  methods: ["GET"],
  authLevel: "anonymous",
  route: ".well-known/acr-quarantine-gate/jwks.json",
  handler: observeHttp("attestationKeys", attestationKeys),
});
