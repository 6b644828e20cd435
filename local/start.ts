import { join } from "node:path";
import { startLocalStack } from "./stack/compose.js";
import { stackStateDir } from "./stack/paths.js";
import { ensureLocalCaTrusted } from "./stack/trust.js";
import { onParentExit } from "./stack/parent-watch.js";
import { removeStackDescriptor, writeStackDescriptor, type StackDescriptor } from "./stack/descriptor.js";
import { stackBanner } from "./stack/banner.js";
import {
  APP_IDENTITY,
  CONSUMER_IDENTITY,
  DEMO_CREDENTIALS,
  DEVELOPER_IDENTITY,
  STACK_PEOPLE,
  STACK_PORTS,
  STACK_PRINCIPALS,
} from "./stack/defaults.js";

/**
 * `npm start`: the whole product on one machine with embedded defaults and no Azure — identity endpoint, ACR emulator
 * (quarantine on, webhook pointed at the app), Azurite, a Harbor scanner emulator and the devhost running the app.
 * State lives under .local/state (delete it to start fresh). Ctrl-C stops everything cleanly. While it runs, the stack
 * descriptor (<state>/stack.json, 0600) tells `npm run image` and `npm run token` where everything is.
 */
async function main(): Promise<void> {
  const stateDir = stackStateDir();
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
    removeStackDescriptor(stateDir);
    await stack.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
  onParentExit(() => void stop("parent process exited"));
  // Whatever ends this process, the tools must not find a descriptor of a stack that is gone.
  process.once("exit", () => removeStackDescriptor(stateDir));

  const { identity, acr, devhost, scanner } = stack;
  const descriptor: StackDescriptor = {
    version: 1,
    pid: process.pid,
    startedAt: new Date().toISOString(),
    stateDir,
    caDir,
    app: { url: devhost.url, ...devhost.keys },
    acr: {
      loginServer: acr.loginServer,
      url: acr.url,
      adminUrl: acr.adminUrl,
      certDir: acr.certDir,
      caCertPath: acr.caCertPath,
    },
    identity: { baseUrl: identity.baseUrl, endpoint: identity.endpoint, identityHeader: identity.identityHeader },
    scanner: { url: scanner.url },
    notifications: { receiverUrl: stack.notifyReceiver.url, eventGridEndpoint: stack.eventGrid.endpoint },
    ...(stack.scanWorker?.process.pid ? { scanWorker: { pid: stack.scanWorker.process.pid } } : {}),
    pushCredentials: { ...DEMO_CREDENTIALS },
    people: STACK_PEOPLE.map((p) => ({ ...p, roles: [...p.roles] })),
    advisories: process.env.GATE_LOCAL_ADVISORIES ?? "built-in",
  };
  writeStackDescriptor(descriptor);
  const principals = STACK_PRINCIPALS.filter((p) => p.id !== DEMO_CREDENTIALS.username);
  console.log(stackBanner(descriptor, principals));
  await reportHealth(devhost.url);
}

/** Asks the app's health once: its policy warnings are logged above as it loads the policy; the line sums it up. */
async function reportHealth(appUrl: string): Promise<void> {
  try {
    const response = await fetch(`${appUrl}/api/health`, { signal: AbortSignal.timeout(10_000) });
    const body = (await response.json()) as { status?: string; policy?: Record<string, unknown> };
    const policy = body.policy;
    const summary =
      policy?.loaded === true
        ? `policy ${String(policy.version)} loaded, ${String(policy.warnings)} warning(s)`
        : `policy NOT loaded (${String(policy?.code)}): every image stays quarantined until POLICY_DOCUMENT is fixed`;
    console.log(`\nHealth: ${body.status ?? response.status}; ${summary}.`);
  } catch (error) {
    console.log(`\nHealth: no answer from ${appUrl}/api/health (${(error as Error).name}).`);
  }
}

main().catch((error: Error) => {
  console.error(`npm start failed: ${error.message}`);
  process.exit(1);
});
