import { join } from "node:path";
import { startLocalStack } from "./stack/compose.js";
import { projectRoot } from "./stack/paths.js";
import { ensureLocalCaTrusted } from "./stack/trust.js";
import { onParentExit } from "./stack/parent-watch.js";
import {
  APP_IDENTITY,
  CONSUMER_IDENTITY,
  DEMO_CREDENTIALS,
  DEVELOPER_IDENTITY,
  STACK_PEOPLE,
  STACK_PORTS,
} from "./stack/defaults.js";

/**
 * `npm start`: the whole product on one machine with embedded defaults and no Azure — identity endpoint, ACR emulator
 * (quarantine on, webhook pointed at the app), Azurite, a Harbor scanner emulator and the devhost running the app.
 * State lives under .local/state (delete it to start fresh). Ctrl-C stops everything cleanly.
 */
async function main(): Promise<void> {
  const root = projectRoot();
  const stateDir = process.env.GATE_LOCAL_STATE ?? join(root, ".local", "state");
  const caDir = process.env.GATE_LOCAL_CA_DIR ?? join(stateDir, "tls");
  await ensureLocalCaTrusted(caDir);
  // GATE_LOCAL_RANDOM_PORTS=1 picks free ports (tests run the launcher beside other stacks).
  const random = process.env.GATE_LOCAL_RANDOM_PORTS === "1";
  const port = (fixed: number) => (random ? 0 : fixed);
  const stack = await startLocalStack({
    stateDir,
    caDir,
    ports: {
      identity: port(STACK_PORTS.identity),
      acr: port(STACK_PORTS.acr),
      acrAdmin: port(STACK_PORTS.acrAdmin),
      devhost: port(STACK_PORTS.devhost),
      scanner: port(STACK_PORTS.scanner),
    },
    identities: [APP_IDENTITY, DEVELOPER_IDENTITY, CONSUMER_IDENTITY],
    users: STACK_PEOPLE,
  });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the local stack…`);
    await stack.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
  onParentExit(() => void stop("parent process exited"));

  const { identity, acr, devhost } = stack;
  const creds = `${DEMO_CREDENTIALS.username}:${DEMO_CREDENTIALS.password}`;
  console.log(`
ACR Quarantine Gate — local stack is up (state: ${stateDir})

  the app (devhost)  ${devhost.url}/api   function key: ${devhost.keys.functionKey}
  ACR emulator       https://${acr.loginServer}  (quarantine policy on; webhook → ${devhost.url}/api/acr/events)
  ACR admin API      ${acr.adminUrl}/state
  managed identity   IDENTITY_ENDPOINT=${identity.endpoint}  IDENTITY_HEADER=${identity.identityHeader}
  scan worker        ${stack.scanWorker ? `pid ${stack.scanWorker.process.pid} on Azurite's scan-requests queue, with the stand-in trivy` : "off (SCANNER_KIND=harbor)"}
                     (repositories named *vulnerable* fail, *risky* need approval, *broken* fail to scan)
  scanner emulator   ${stack.scanner.url}  (Harbor adapter path: SCANNER_KIND=harbor)
  local CA           ${acr.caCertPath}

Try it (or run \`npm run demo\`, which does all of this by itself):
  skopeo copy --dest-cert-dir ${acr.certDir} --dest-creds ${creds} oci:<layout>:latest docker://${acr.loginServer}/team/risky-app:v1
  curl -s -H 'x-functions-key: ${devhost.keys.functionKey}' '${devhost.url}/api/images/status?image=${acr.loginServer}/team/risky-app@<digest>'
  TOKEN=$(curl -s -X POST -H 'X-IDENTITY-HEADER: ${identity.identityHeader}' -H 'Content-Type: application/json' \\
      -d '{"objectId":"${STACK_PEOPLE[0]!.objectId}","audience":"api://acr-quarantine-gate"}' ${identity.baseUrl}/admin/user-token | jq -r .access_token)
  curl -s -H "Authorization: Bearer $TOKEN" ${devhost.url}/api/approvals
  curl -s -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\
      -d '{"approve":true,"reason":"risk accepted"}' ${devhost.url}/api/approvals/<instanceId>

Ctrl-C stops everything.`);
}

main().catch((error: Error) => {
  console.error(`npm start failed: ${error.message}`);
  process.exit(1);
});
