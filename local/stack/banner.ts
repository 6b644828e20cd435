import type { StackDescriptor } from "./descriptor.js";
import { describeRoles, personHandle } from "./people.js";
import { statusCommand, tokenCommand } from "./commands.js";

/** Registry principals the banner names besides the push token (display names from STACK_PRINCIPALS). */
export interface BannerPrincipal {
  displayName: string;
  roles: string[];
}

/** The approval page (src/functions/approvalPage.ts, route `ui/{*path}` under the `api` prefix). */
export const approvalPageUrl = (appUrl: string) => `${appUrl}/api/ui/`;

/** Where the local notification sinks are: what would be sent, at the receiver's URL (docs/notifications.md). */
function notificationLines(stack: StackDescriptor): string {
  if (!stack.notifications) return "";
  const { receiverUrl, eventGridEndpoint } = stack.notifications;
  return `  notifications      ${receiverUrl}/view  (what was sent to the webhook, Teams and Slack sinks; JSON at ${receiverUrl}/)
  Event Grid topic   ${eventGridEndpoint}  (stand-in: managed identity token and CloudEvents batch checked)
`;
}

/**
 * What `npm start` prints once the stack is up: where everything is, the keys, who can do what, and the next
 * commands — curl and `npm run` only (no jq), copy-paste ready.
 */
export function stackBanner(stack: StackDescriptor, principals: readonly BannerPrincipal[]): string {
  const api = `${stack.app.url}/api`;
  const width = Math.max(...stack.people.map((p) => personHandle(p).length));
  const people = stack.people.map((p) => {
    const upn = p.userPrincipalName ? ` <${p.userPrincipalName}>` : "";
    return `    ${personHandle(p).padEnd(width)}  ${p.displayName}${upn}: ${describeRoles(p.roles)}`;
  });
  const registryPrincipals = principals.map((p) => `    ${p.displayName}: ${p.roles.join(", ")}`);
  const image = `${stack.acr.loginServer}/team/risky-app@<digest>`;
  const reader = stack.people.find((p) => p.roles.includes("Quarantine.Reader")) ?? stack.people[0];
  const listApprovals = reader
    ? `curl -sS -H "Authorization: Bearer $(${tokenCommand(personHandle(reader), stack.stateDir)})" ${api}/approvals`
    : "";
  return `
ACR Quarantine Gate — local stack is up (state: ${stack.stateDir})

  the app (devhost)  ${api}
  approval page      ${approvalPageUrl(stack.app.url)}  (sign in as one of the people below; the local sign-in is
                     https on the identity endpoint's port with a certificate of its own CA: accept it, or trust
                     ${stack.stateDir}/identity/tls/ca/ca.pem)
  ACR emulator       ${stack.acr.url}  (quarantine policy on; webhook → ${api}/acr/events)
  ACR admin API      ${stack.acr.adminUrl}/state
  managed identity   IDENTITY_ENDPOINT=${stack.identity.endpoint}  IDENTITY_HEADER=${stack.identity.identityHeader}
  scan worker        ${stack.scanWorker ? `pid ${stack.scanWorker.pid} on Azurite's scan-requests queue, with the stand-in trivy` : "off (SCANNER_KIND=harbor)"}
                     (repositories named *vulnerable* fail, *risky* need approval, *broken* fail to scan)
  scanner emulator   ${stack.scanner.url}  (Harbor adapter path: SCANNER_KIND=harbor)
${notificationLines(stack)}  local CA           ${stack.acr.caCertPath}

Keys (local only; new ones at every start):
  function key       ${stack.app.functionKey}   x-functions-key for /api/images/status (and the webhook)
  master key         ${stack.app.masterKey}   x-functions-key for POST /api/sweep/run, /api/sweep/backfill, /admin/…
  durable system key ${stack.app.durableSystemKey}   code= of the durable HTTP API (/runtime/webhooks/durabletask/…)

People (a token for the approvals API: ${tokenCommand("<name>", stack.stateDir, true)}):
${people.join("\n")}

Registry (${stack.acr.loginServer}):
    ${stack.pushCredentials.username} / ${stack.pushCredentials.password}: push token (AcrPush), for skopeo --dest-creds
${registryPrincipals.join("\n")}

Try it (or run \`npm run demo\`, which walks through clean, risky and vulnerable images by itself):
  npm run image -- team/risky-app:v1      builds a small image, pushes it, prints its digest and the commands below
  ${statusCommand(stack.app.url, stack.app.functionKey, image)}
  ${listApprovals}

Stack details for tools: ${stack.stateDir}/stack.json (0600). Ctrl-C stops everything.`;
}
