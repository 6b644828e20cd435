import { join, resolve } from "node:path";
import { startIdentityServer } from "./identity/server.js";
import { startAcrEmulator } from "./acr-emulator/server.js";
import { APP_IDENTITY, CONSUMER_IDENTITY, DEMO_CREDENTIALS, DEVELOPER_IDENTITY, STACK_PORTS, STACK_PRINCIPALS } from "./stack/defaults.js";

/**
 * `npm start`: the whole local stack on one machine with embedded defaults and no Azure. State lives under
 * .local/state (delete it to start fresh). Ctrl-C stops everything cleanly.
 */
async function main(): Promise<void> {
  const root = resolve(import.meta.dirname, "../..");
  const stateDir = process.env.GATE_LOCAL_STATE ?? join(root, ".local", "state");
  const stoppers: Array<() => Promise<void>> = [];
  const stop = async (signal: string) => {
    console.log(`\n${signal}: stopping the local stack…`);
    for (const stopOne of stoppers.reverse()) await stopOne().catch((e: Error) => console.error(e.message));
    process.exit(0);
  };
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));

  // GATE_LOCAL_RANDOM_PORTS=1 picks free ports (tests run the launcher beside other stacks).
  const port = (fixed: number) => (process.env.GATE_LOCAL_RANDOM_PORTS === "1" ? 0 : fixed);
  const identity = await startIdentityServer({
    port: port(STACK_PORTS.identity),
    stateDir: join(stateDir, "identity"),
    config: { userAssigned: [APP_IDENTITY, DEVELOPER_IDENTITY, CONSUMER_IDENTITY] },
  });
  stoppers.push(() => identity.close());

  const acr = await startAcrEmulator({
    dataDir: join(stateDir, "acr"),
    caDir: process.env.GATE_LOCAL_CA_DIR ?? join(stateDir, "tls"),
    identity: { jwksUri: identity.jwksUri, issuer: identity.issuer },
    port: port(STACK_PORTS.acr),
    adminPort: port(STACK_PORTS.acrAdmin),
    principals: STACK_PRINCIPALS,
    settings: { quarantinePolicy: "enabled" },
  });
  stoppers.push(() => acr.stop());

  console.log(`ACR Quarantine Gate — local stack is up (state: ${stateDir})

  managed identity   IDENTITY_ENDPOINT=${identity.endpoint}  IDENTITY_HEADER=${identity.identityHeader}
  ACR emulator       https://${acr.loginServer}  (quarantine policy on; docker-registry behind it)
  ACR admin API      ${acr.adminUrl}/state
  local CA           ${acr.caCertPath}  (Node: NODE_EXTRA_CA_CERTS; skopeo: --dest-cert-dir ${acr.certDir})

Try it:
  skopeo copy --dest-cert-dir ${acr.certDir} --dest-creds ${DEMO_CREDENTIALS.username}:${DEMO_CREDENTIALS.password} \\
      docker-archive:<image.tar> docker://${acr.loginServer}/hello/world:v1
  skopeo inspect --cert-dir ${acr.certDir} --creds ${DEMO_CREDENTIALS.username}:${DEMO_CREDENTIALS.password} \\
      docker://${acr.loginServer}/hello/world:v1        # → manifest unknown: the image is quarantined

Ctrl-C stops everything.`);
}

main().catch((error: Error) => {
  console.error(`npm start failed: ${error.message}`);
  process.exit(1);
});
