import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalStack, type LocalStack } from "./stack/compose.js";
import { personToken, registryCredentials } from "./stack/credentials.js";
import {
  APP_IDENTITY,
  CONSUMER_IDENTITY,
  DEMO_CREDENTIALS,
  DEVELOPER_IDENTITY,
  STACK_PEOPLE,
} from "./stack/defaults.js";
import { buildOciImage } from "./tools/oci-image.js";
import { projectRoot } from "./stack/paths.js";
import { ensureLocalCaTrusted } from "./stack/trust.js";
import { inspectRaw, push } from "./tools/skopeo.js";

/**
 * `npm run demo`: starts a private local stack, pushes images with skopeo and shows the gate at work — a clean image
 * released, a risky one blocked until a person approves it, a vulnerable one failed — then stops.
 */
async function main(): Promise<void> {
  const caDir = join(projectRoot(), ".local", "demo-tls");
  await ensureLocalCaTrusted(caDir);
  const work = mkdtempSync(join(tmpdir(), "aqg-demo-"));
  const say = (line: string) => console.log(`\n▶ ${line}`);
  say("starting the local stack (identity, ACR emulator + docker-registry, Azurite, scanner, the app)…");
  const stack = await startLocalStack({
    stateDir: join(work, "state"),
    caDir,
    identities: [APP_IDENTITY, DEVELOPER_IDENTITY, CONSUMER_IDENTITY],
    users: STACK_PEOPLE,
    logSinks: [],
  });
  try {
    await scenario(stack, work, say);
  } finally {
    await stack.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

async function scenario(stack: LocalStack, work: string, say: (line: string) => void): Promise<void> {
  const { acr, devhost, identity } = stack;
  const pushAccess = { certDir: acr.certDir, creds: `${DEMO_CREDENTIALS.username}:${DEMO_CREDENTIALS.password}` };
  const pullAccess = {
    certDir: acr.certDir,
    creds: await registryCredentials(stack.identity, acr, CONSUMER_IDENTITY.clientId),
  };
  const status = async (reference: string) =>
    (await (
      await fetch(`${devhost.url}/api/images/status?image=${encodeURIComponent(reference)}`, {
        headers: { "x-functions-key": devhost.keys.functionKey },
      })
    ).json()) as Record<string, unknown>;
  const waitFor = async (reference: string, done: (s: Record<string, unknown>) => boolean) => {
    for (let i = 0; i < 300; i++) {
      const s = await status(reference);
      if (done(s)) return s;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`gave up waiting for ${reference}`);
  };
  const finished = (s: Record<string, unknown>) =>
    ["Completed", "Failed", "Terminated"].includes(String(s.runtimeStatus));

  for (const repository of ["demo/clean-app", "demo/risky-app", "demo/vulnerable-app"]) {
    const image = await buildOciImage(join(work, repository.replace("/", "-")));
    const pushed = await push(image.layoutRef, `${acr.loginServer}/${repository}:v1`, pushAccess);
    if (pushed.code !== 0) throw new Error(`push failed: ${pushed.stderr}`);
    const reference = `${acr.loginServer}/${repository}@${image.manifestDigest}`;
    say(`pushed ${repository}:v1 (${image.manifestDigest.slice(0, 19)}…) — ACR quarantines it and calls the gate`);
    const blocked = await inspectRaw(`${acr.loginServer}/${repository}:v1`, pullAccess);
    console.log(
      `  pull right after push: ${blocked.code === 0 ? "allowed (too late to see it blocked)" : "blocked — " + (/manifest unknown/.exec(blocked.stderr)?.[0] ?? "denied")}`,
    );
    let state = await waitFor(reference, (s) => finished(s) || s.stage === "awaiting-approval");
    const verdict = state.verdict as { decision: string; platforms: Array<{ reasons: string[] }> } | undefined;
    console.log(`  verdict: ${verdict?.decision} ${verdict?.platforms[0]?.reasons.slice(0, 1).join("") ?? ""}`);
    if (state.stage === "awaiting-approval") {
      say(`${repository} waits for a person; Ada Approver approves it`);
      const token = await personToken(identity, STACK_PEOPLE[0]!.objectId);
      const answer = await fetch(`${devhost.url}/api/approvals/${String(state.instanceId)}`, {
        method: "POST",
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
        body: JSON.stringify({ approve: true, reason: "zlib fix scheduled; risk accepted for the demo" }),
      });
      console.log(`  POST /api/approvals/${String(state.instanceId).slice(0, 12)}… → ${answer.status}`);
      state = await waitFor(reference, finished);
    }
    const outcome = state.outcome as { result: string; decidedBy: string; reason: string };
    console.log(`  outcome: ${outcome.result} (by ${outcome.decidedBy}: ${outcome.reason})`);
    const pulled = await inspectRaw(`${acr.loginServer}/${repository}:v1`, pullAccess);
    console.log(`  pull now: ${pulled.code === 0 ? "works" : "still blocked"}`);
  }
  say(`done. The audit trail and quarantineDetails are in the stack; identity endpoint was ${identity.baseUrl}.`);
}

main().catch((error: Error) => {
  console.error(`demo failed: ${error.message}`);
  process.exit(1);
});
