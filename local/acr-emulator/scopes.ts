import { isRepositoryName } from "./names.js";
import { REPOSITORY_ACTIONS, mayGrantRepositoryAction, type Capability } from "./roles.js";

/** One entry of a token's `access` claim, as in Docker registry and ACR tokens. */
export interface AccessEntry {
  type: string;
  name: string;
  actions: string[];
}

/**
 * Parses the Docker token scope grammar `type:name:action[,action…]`; several scopes may be space-separated or
 * repeated. Repository names cannot contain `:`, so the first and the last `:` delimit the name.
 */
export function parseScopes(values: readonly string[]): AccessEntry[] | { error: string } {
  const entries: AccessEntry[] = [];
  for (const raw of values.flatMap((v) => v.split(" ")).filter(Boolean)) {
    const first = raw.indexOf(":");
    const last = raw.lastIndexOf(":");
    if (first <= 0 || last === first) return { error: `scope "${raw}" is not type:name:actions` };
    const type = raw.slice(0, first);
    const name = raw.slice(first + 1, last);
    const actions = raw
      .slice(last + 1)
      .split(",")
      .filter(Boolean);
    if (actions.length === 0) return { error: `scope "${raw}" names no action` };
    if (type === "registry") {
      if (name !== "catalog") return { error: `unknown registry scope "${raw}"` };
    } else if (type === "repository") {
      if (name !== "*" && !isRepositoryName(name)) return { error: `scope "${raw}" has an invalid repository name` };
    } else {
      return { error: `unsupported scope type "${type}"` };
    }
    entries.push({ type, name, actions });
  }
  return entries;
}

/**
 * What the token service grants: the requested actions intersected with what the principal's roles allow.
 * Asking for more never fails the request; the token simply lacks those actions (Docker token semantics).
 */
export function grantScopes(requested: readonly AccessEntry[], capabilities: Set<Capability>): AccessEntry[] {
  const granted: AccessEntry[] = [];
  for (const entry of requested) {
    const expanded = entry.actions.includes("*")
      ? entry.type === "registry"
        ? ["*"]
        : [...REPOSITORY_ACTIONS]
      : entry.actions;
    const allowed =
      entry.type === "registry"
        ? capabilities.has("metadataRead")
          ? ["*"]
          : []
        : expanded.filter((action) => mayGrantRepositoryAction(action, capabilities));
    granted.push({ type: entry.type, name: entry.name, actions: [...new Set(allowed)] });
  }
  return granted;
}

export function formatScope(entry: AccessEntry): string {
  return `${entry.type}:${entry.name}:${entry.actions.join(",")}`;
}

/** Whether a token's access list allows `action` on the resource (wildcard repository grants included). */
export function allows(access: readonly AccessEntry[], type: string, name: string, action: string): boolean {
  return access.some(
    (entry) =>
      entry.type === type &&
      (entry.name === name || entry.name === "*") &&
      (entry.actions.includes(action) || entry.actions.includes("*")),
  );
}
