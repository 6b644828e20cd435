import { type Env, Reader } from "./reader.js";

/** The policy document and where VEX comes from. */

export interface PolicyConfig {
  /** POLICY_DOCUMENT parsed as JSON; its schema is checked by the policy module (parsePolicy). */
  document: Record<string, unknown>;
  /**
   * VEX_CONTAINER: a blob container of OpenVEX documents on the app's storage account, read with the app's identity
   * (docs/policy.md, "VEX from a blob container"); unset = only the policy document's own `vex`.
   */
  vexContainer: string | undefined;
  /**
   * VEX_REFRESH (ISO 8601, default PT1M, at most PT1H): how long the container's listing is reused before it is read
   * again, so how soon a document added or changed applies.
   */
  vexRefreshMs: number;
}

export function policyConfig(env: Env = process.env): PolicyConfig {
  const r = new Reader(env);
  const text = r.required("POLICY_DOCUMENT");
  let document: Record<string, unknown> = {};
  if (text !== "") {
    const parsed = parseJsonObject(text);
    if (parsed) document = parsed;
    else r.problems.push("POLICY_DOCUMENT must be a JSON object (the policy document itself)");
  }
  const vexContainer = r.raw("VEX_CONTAINER");
  if (vexContainer !== undefined && !/^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/.test(vexContainer))
    r.problems.push(
      `VEX_CONTAINER must be a blob container name (3-63 lowercase letters, digits, single hyphens), got ${JSON.stringify(vexContainer)}`,
    );
  const vexRefresh = r.duration("VEX_REFRESH", "PT1M");
  if (vexRefresh.ms > 3_600_000) r.problems.push(`VEX_REFRESH must be at most PT1H, got ${vexRefresh.iso}`);
  return r.done({ document, vexContainer, vexRefreshMs: vexRefresh.ms });
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
    ? (parsed as Record<string, unknown>)
    : undefined;
}
