import type { JWTPayload } from "jose";
import { ApproverAuthError, type ApproverAuthReason } from "./errors.js";
import type { Approver } from "./roles.js";

/**
 * The claim rules of an Entra ID access token for one web API, applied after the signature and lifetime are checked.
 * Sources (MicrosoftDocs/entra-docs, docs/identity-platform/): access-tokens.md, access-token-claims-reference.md,
 * id-token-claims-reference.md, optional-claims-reference.md; summarised in ../shared/reference/entra-tokens.md.
 *
 * The pairs that exist: (v1.0 issuer, aud = App ID URI or client ID) and (v2.0 issuer, aud = client ID). Nothing else
 * is an access token Entra issues for this API.
 */

export type TokenVersion = "1.0" | "2.0";

export interface ApiExpectations {
  tenantId: string;
  /** The API registration's application (client) ID. */
  clientId: string;
  /** Its Application ID URI, if it has one. */
  appIdUri: string | undefined;
  /** The issuer of the tenant's tokens of a version (from the tenant's OpenID metadata); a version without one is refused. */
  issuers: Partial<Record<TokenVersion, string>>;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function refuse(reason: ApproverAuthReason, message: string): never {
  throw new ApproverAuthError(401, message, { reason });
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** `ver`: "String, either 1.0 or 2.0" (access-token-claims-reference.md). */
export function tokenVersionOf(payload: JWTPayload): TokenVersion {
  if (payload.ver === "1.0" || payload.ver === "2.0") return payload.ver;
  return refuse("malformed", `not an Entra ID token: ver is ${JSON.stringify(payload.ver)}, expected "1.0" or "2.0"`);
}

/**
 * The audiences Entra puts in this API's tokens. v2.0: "always the client ID of the API". v1.0: "the client ID or the
 * resource URI used in the request" (access-token-claims-reference.md, `aud`) — "any appID URI, with or without a
 * trailing slash, and the client ID of the resource" (optional-claims-reference.md, v1 `aud`).
 */
export function audiencesFor(version: TokenVersion, api: Pick<ApiExpectations, "clientId" | "appIdUri">): string[] {
  if (version === "2.0" || api.appIdUri === undefined) return [api.clientId];
  const bare = api.appIdUri.replace(/\/$/, "");
  return [api.clientId, bare, `${bare}/`];
}

function checkIssuer(iss: unknown, version: TokenVersion, api: ApiExpectations): string {
  if (typeof iss !== "string") return refuse("missing-claim", "the token has no issuer (iss)");
  // "If the token issued is a v2.0 token (see the ver claim), the URI ends in /v2.0" (access-token-claims-reference.md).
  const issuerVersion: TokenVersion = /\/v2\.0$/.test(iss) ? "2.0" : "1.0";
  if (issuerVersion !== version)
    refuse("mixed-shape", `a v${version} token with a v${issuerVersion} issuer (${iss}): Entra issues no such token`);
  const expected = api.issuers[version];
  if (expected === undefined || iss !== expected)
    refuse("wrong-issuer", `issuer ${iss} is not the tenant's v${version} issuer ${expected ?? "(unknown)"}`);
  return iss;
}

/**
 * `tid` is the tenant, and the issuer's tenant segment must be that same `tid`: "Validate that the tid claim is a
 * GUID and the iss claim is of the form …/{tid}/v2.0 where {tid} is the exact tid claim" (access-tokens.md,
 * "Validate the issuer").
 */
function checkTenant(tid: unknown, iss: string, api: ApiExpectations): string {
  if (typeof tid !== "string" || !GUID.test(tid)) return refuse("missing-claim", "the token has no tenant ID (tid)");
  if (!same(tid, api.tenantId)) refuse("wrong-tenant", `the token is from tenant ${tid}, not ${api.tenantId}`);
  const segment = new URL(iss).pathname.split("/").filter(Boolean)[0] ?? "";
  if (!same(segment, tid)) refuse("wrong-tenant", `issuer ${iss} does not name tenant ${tid}`);
  return tid.toLowerCase();
}

function checkAudience(aud: unknown, version: TokenVersion, api: ApiExpectations): void {
  // `aud`: "String, an Application ID URI or GUID" — one value, never a list.
  if (typeof aud !== "string") return refuse("wrong-audience", "the token's audience (aud) is not a single string");
  const accepted = audiencesFor(version, api);
  if (accepted.some((a) => (GUID.test(a) ? same(a, aud) : a === aud))) return;
  if (version === "2.0" && audiencesFor("1.0", api).includes(aud))
    refuse("mixed-shape", `a v2.0 token for ${aud}: v2.0 tokens always have the API's client ID as audience`);
  refuse("wrong-audience", `the token is for ${aud}, not this API (${accepted.join(" or ")})`);
}

/**
 * An ID token is not an access token, even when its `aud` is this API's client ID (an ID token's `aud` is the app the
 * user signed in to) and it carries `roles`. ID tokens have `nonce` (and `at_hash`/`c_hash` in hybrid flows), and
 * no client claim (id-token-claims-reference.md); access tokens name the client that holds them: `appid` "only
 * present in v1.0 tokens", `azp` "only present in v2.0 tokens" (access-token-claims-reference.md).
 */
function checkIsAccessToken(payload: JWTPayload, version: TokenVersion): string {
  for (const idOnly of ["nonce", "at_hash", "c_hash"])
    if (payload[idOnly] !== undefined) refuse("id-token", `an ID token (it has ${idOnly}), not an access token`);
  const [own, other] = version === "1.0" ? ["appid", "azp"] : ["azp", "appid"];
  if (payload[other] !== undefined)
    refuse("mixed-shape", `a v${version} token with ${other}, a claim only tokens of the other version carry`);
  const client = payload[own];
  if (typeof client !== "string" || !GUID.test(client))
    refuse("id-token", `no client application (${own}): an ID token or another non-access token, not an access token`);
  return client.toLowerCase();
}

function stringList(value: unknown, claim: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === "string"))
    return refuse("malformed", `${claim} must be an array of strings`);
  return value;
}

/**
 * `scp` is "Only included for user tokens"; `idtyp` is `app` for app-only tokens ("By default it's only emitted for
 * app-only tokens", optional-claims-reference.md). Both at once is no token Entra issues.
 */
function kindOf(payload: JWTPayload): "user" | "app" {
  if (payload.scp !== undefined && typeof payload.scp !== "string") refuse("malformed", "scp must be a string");
  if (payload.idtyp === "app" && payload.scp !== undefined)
    refuse("mixed-shape", "an app-only token (idtyp app) with scp");
  return typeof payload.scp === "string" && payload.scp.trim() !== "" ? "user" : "app";
}

function displayName(payload: JWTPayload, version: TokenVersion, objectId: string): string {
  // Display only: `upn`/`unique_name` (v1.0) and `preferred_username` (v2.0) are mutable, never used to decide.
  const candidates =
    version === "1.0" ? [payload.name, payload.upn, payload.unique_name] : [payload.name, payload.preferred_username];
  const found = candidates.find((c): c is string => typeof c === "string" && c.trim() !== "");
  return found ?? objectId;
}

/** Applies every claim rule to a payload whose signature and lifetime are already verified; the caller on success. */
export function approverFromClaims(payload: JWTPayload, api: ApiExpectations): Approver {
  const version = tokenVersionOf(payload);
  const iss = checkIssuer(payload.iss, version, api);
  const tenantId = checkTenant(payload.tid, iss, api);
  checkAudience(payload.aud, version, api);
  const clientAppId = checkIsAccessToken(payload, version);
  // `oid`: "The immutable identifier for the requestor … the user or service principal".
  if (typeof payload.oid !== "string" || !GUID.test(payload.oid))
    refuse("missing-claim", "the token has no object ID (oid)");
  const objectId = payload.oid.toLowerCase();
  return {
    objectId,
    tenantId,
    name: displayName(payload, version, objectId),
    roles: stringList(payload.roles, "roles"),
    kind: kindOf(payload),
    clientAppId,
    tokenVersion: version,
  };
}
