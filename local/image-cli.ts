import { parseArgs } from "node:util";
import { advisoryKind, type AdvisoryKind } from "./stack/advisories.js";
import { decisionCommand, statusCommand } from "./stack/commands.js";
import { findRunningStack, type StackDescriptor } from "./stack/descriptor.js";
import { LocalUsageError } from "./stack/errors.js";
import { buildAndPush, parseImageName, type PushedImage } from "./stack/image-push.js";
import { stackStateDir } from "./stack/paths.js";
import { personHandle } from "./stack/people.js";
import { runCli } from "./stack/cli.js";

const USAGE = `usage: npm run image -- <repository>[:tag] [--wait <seconds>]

Builds a small OCI image and pushes it to the running \`npm start\` stack. What the local scanner finds depends on the
repository's name: *vulnerable* → a fixable Critical (blocked), *risky* → a person must approve, *broken* →
the scan fails, anything else is clean. Then prints the digest and the commands to follow the image and decide on it.
  --wait <seconds>  how long to wait for the gate's first decision before printing (default 60; 0: don't wait)

e.g. npm run image -- team/risky-app:v1`;

/** What the local scanners (the Harbor emulator's advisories and the stand-in trivy's recordings) make of a name. */
const EXPECT: Record<AdvisoryKind, string> = {
  clean: "clean: nothing the policy stops → the gate releases it by itself",
  risky: "risky: findings the policy sends to a person → it waits for approval",
  vulnerable: "vulnerable: a fixable Critical → the policy blocks it (only break-glass can release it)",
  broken: "broken: the scan fails → the image stays quarantined",
};

/** Stages after which nothing happens without a person (or ever). */
const RESTING = new Set(["awaiting-approval", "done", "scan-failed", "release-failed"]);

await runCli(USAGE, async (argv) => {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { wait: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) return console.log(USAGE);
  if (positionals.length !== 1) throw new LocalUsageError("give exactly one image name");
  const waitSeconds = values.wait === undefined ? 60 : Number(values.wait);
  if (!Number.isInteger(waitSeconds) || waitSeconds < 0 || waitSeconds > 600)
    throw new LocalUsageError("--wait takes whole seconds from 0 to 600");
  const name = parseImageName(positionals[0]!);
  const stack = await findRunningStack(stackStateDir());
  const image = await buildAndPush(stack, name);
  console.log(`Pushed ${stack.acr.loginServer}/${image.repository}:${image.tag}
  digest   ${image.digest}
  image    ${image.reference}
  scanner  ${stack.advisories === "built-in" ? EXPECT[advisoryKind(image.repository)] : `reports from ${stack.advisories}`}`);
  const status = await waitForRest(stack, image, waitSeconds * 1000);
  console.log(`  now      ${describe(status)}`);
  printCommands(stack, image, String(status.instanceId ?? ""));
});

interface StatusBody {
  instanceId?: string;
  stage?: string;
  runtimeStatus?: string;
  verdict?: { decision?: string };
  outcome?: { result?: string };
}

async function readStatus(stack: StackDescriptor, image: PushedImage): Promise<StatusBody> {
  const response = await fetch(`${stack.app.url}/api/images/status?image=${encodeURIComponent(image.reference)}`, {
    headers: { "x-functions-key": stack.app.functionKey },
  });
  // 404 until the webhook has started the pipeline; the body still names the instance.
  return (await response.json()) as StatusBody;
}

async function waitForRest(stack: StackDescriptor, image: PushedImage, waitMs: number): Promise<StatusBody> {
  const deadline = Date.now() + waitMs;
  let status = await readStatus(stack, image);
  while (Date.now() < deadline && !RESTING.has(String(status.stage))) {
    await new Promise((r) => setTimeout(r, 500));
    status = await readStatus(stack, image);
  }
  return status;
}

function describe(status: StatusBody): string {
  if (!status.stage) return "not seen by the gate yet (its webhook is on the way)";
  const verdict = status.verdict?.decision ? `, verdict ${status.verdict.decision}` : "";
  const outcome = status.outcome?.result ? `, ${status.outcome.result}` : "";
  return `${status.stage}${verdict}${outcome}`;
}

function printCommands(stack: StackDescriptor, image: PushedImage, instanceId: string): void {
  const kind = stack.advisories === "built-in" ? advisoryKind(image.repository) : undefined;
  const approver = stack.people.find(
    (p) => p.roles.includes("Quarantine.Approver") && !p.roles.includes("Quarantine.Override"),
  );
  const override = stack.people.find((p) => p.roles.includes("Quarantine.Override"));
  const decide = (person: string, approve: boolean, reason: string, justification?: string) =>
    decisionCommand({
      appUrl: stack.app.url,
      instanceId,
      person,
      stateDir: stack.stateDir,
      approve,
      reason,
      justification,
    });
  const lines = [
    "",
    "Status (stage, verdict, who decided, audit timeline):",
    `  ${statusCommand(stack.app.url, stack.app.functionKey, image.reference)}`,
  ];
  // A blocked image is only released by break-glass; every other one may wait for a person (risky ones do).
  if (approver && kind !== "vulnerable") {
    const who = `${approver.displayName}, ${approver.roles.join(", ")}`;
    lines.push(
      "",
      `Approve it while it awaits approval (as ${who}):`,
      `  ${decide(personHandle(approver), true, "risk accepted")}`,
      "Or reject it:",
      `  ${decide(personHandle(approver), false, "not acceptable")}`,
    );
  }
  if (override && (kind === undefined || kind === "vulnerable")) {
    lines.push(
      "",
      `Release it although its verdict failed — break-glass (as ${override.displayName}, ${override.roles.join(", ")}):`,
      `  ${decide(personHandle(override), true, "emergency release", "incident 123: the fix ships in this image")}`,
    );
  }
  console.log(lines.join("\n"));
}
