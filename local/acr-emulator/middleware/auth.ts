import type { IncomingMessage } from "node:http";
import type { EmulatorContext } from "../context.js";
import { acrError } from "../errors.js";
import { capabilitiesOf, mayGrantRepositoryAction, type Capability } from "../roles.js";
import { allows, type AccessEntry } from "../scopes.js";
import type { Principal } from "../model.js";

/** What a request needs: an action on a repository or the registry catalog. Null = any valid token (GET /v2/). */
export interface Requirement {
  type: "repository" | "registry";
  name: string;
  action: string;
}

export interface Caller {
  principal: Principal;
  capabilities: Set<Capability>;
  access: AccessEntry[];
}

/** The Bearer challenge ACR sends: values always quoted (the JS SDK's parser requires it, acr-protocol.md §1.2). */
export function challenge(
  ctx: EmulatorContext,
  requirement: Requirement | null,
  error?: string,
): Record<string, string> {
  const parts = [`realm="${ctx.baseUrl}/oauth2/token"`, `service="${ctx.loginServer}"`];
  if (requirement) parts.push(`scope="${requirement.type}:${requirement.name}:${requirement.action}"`);
  if (error) parts.push(`error="${error}"`);
  return { "WWW-Authenticate": `Bearer ${parts.join(",")}` };
}

function unauthorized(ctx: EmulatorContext, requirement: Requirement | null, message: string, error?: string) {
  const detail = requirement ? [{ Type: requirement.type, Name: requirement.name, Action: requirement.action }] : {};
  return acrError(401, "UNAUTHORIZED", message, detail, challenge(ctx, requirement, error));
}

/**
 * Authenticates a data-plane request by its ACR access token and authorises the requirement. A token that lacks the
 * action gets a 401 challenge when the caller's roles could grant it (the client should fetch a token for that scope),
 * and a 403 when they could not (no token would help).
 */
export async function authorize(
  ctx: EmulatorContext,
  req: IncomingMessage,
  requirement: Requirement | null,
  /** Other token actions that satisfy the requirement too (the quarantine PATCH takes push or metadata_write). */
  alsoAccepted: readonly string[] = [],
): Promise<Caller> {
  const header = req.headers.authorization;
  if (!header || !/^Bearer\s+/i.test(header)) throw unauthorized(ctx, requirement, "authentication required");
  const checked = await ctx.tokens.verifyAccess(header.replace(/^Bearer\s+/i, "").trim());
  if (!checked.ok) {
    throw unauthorized(
      ctx,
      requirement,
      checked.reason === "expired" ? "access token expired" : "access token invalid",
      "invalid_token",
    );
  }
  const principal = ctx.store.principal(checked.claims.sub);
  if (!principal) throw unauthorized(ctx, requirement, "principal no longer known to the registry", "invalid_token");
  const capabilities = capabilitiesOf(principal.roles);
  const caller = { principal, capabilities, access: checked.claims.access };
  if (
    !requirement ||
    [requirement.action, ...alsoAccepted].some((action) =>
      allows(checked.claims.access, requirement.type, requirement.name, action),
    )
  )
    return caller;
  const couldBeGranted =
    requirement.type === "registry"
      ? capabilities.has("metadataRead")
      : mayGrantRepositoryAction(requirement.action, capabilities);
  if (couldBeGranted) throw unauthorized(ctx, requirement, "insufficient scope", "insufficient_scope");
  throw acrError(403, "DENIED", `requested access to the resource is denied`, [
    { Type: requirement.type, Name: requirement.name, Action: requirement.action },
  ]);
}
