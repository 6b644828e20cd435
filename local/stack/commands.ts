import { defaultStackStateDir } from "./paths.js";

/**
 * The shell commands the local tools print for people to copy: curl only (no jq), keys and tokens as the app expects
 * them. The approver's token is fetched by the command itself (`$(npm run -s token -- ada)`), so no token is printed.
 */

/** One POSIX-shell word: single-quoted unless it is plainly safe. */
export function shellWord(value: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * `npm run -s token -- <person>`, naming the state folder when it is not the default one. `person` is quoted for the
 * shell unless `placeholder` says it is a placeholder for people to replace (`<name>`).
 */
export function tokenCommand(person: string, stateDir: string, placeholder = false): string {
  const env = stateDir === defaultStackStateDir() ? "" : `GATE_LOCAL_STATE=${shellWord(stateDir)} `;
  return `${env}npm run -s token -- ${placeholder ? person : shellWord(person)}`;
}

/** GET /api/images/status for an image (function key). */
export function statusCommand(appUrl: string, functionKey: string, image: string): string {
  return `curl -sS -H ${shellWord(`x-functions-key: ${functionKey}`)} ${shellWord(`${appUrl}/api/images/status?image=${image}`)}`;
}

export interface DecisionCommand {
  appUrl: string;
  instanceId: string;
  person: string;
  stateDir: string;
  approve: boolean;
  reason: string;
  /** Break-glass: approving an image whose verdict failed (Quarantine.Override). */
  justification?: string;
}

/** POST /api/approvals/{instanceId} with the person's token fetched inline. */
export function decisionCommand(c: DecisionCommand): string {
  const body = JSON.stringify({
    approve: c.approve,
    reason: c.reason,
    ...(c.justification ? { justification: c.justification } : {}),
  });
  return [
    "curl -sS -X POST",
    `-H "Authorization: Bearer $(${tokenCommand(c.person, c.stateDir)})"`,
    "-H 'Content-Type: application/json'",
    `-d ${shellWord(body)}`,
    shellWord(`${c.appUrl}/api/approvals/${c.instanceId}`),
  ].join(" ");
}
