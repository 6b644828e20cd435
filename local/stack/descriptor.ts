import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { writePrivateFile } from "../fs/private-files.js";
import { NoStackRunningError, StackDescriptorError } from "./errors.js";

/**
 * What a running `npm start` stack tells the local tools (`npm run image`, `npm run token`): where every part listens
 * and the keys to use them. It holds keys and the registry password, so it is written 0600 in the (0700) state folder,
 * and removed when the stack stops.
 */
export interface StackDescriptor {
  version: 1;
  /** The launcher process that serves the stack. */
  pid: number;
  startedAt: string;
  stateDir: string;
  caDir: string;
  app: { url: string; functionKey: string; masterKey: string; durableSystemKey: string };
  acr: { loginServer: string; url: string; adminUrl: string; certDir: string; caCertPath: string };
  identity: { baseUrl: string; endpoint: string; identityHeader: string };
  scanner: { url: string };
  /**
   * The local notification sinks (docs/notifications.md): the receiver that stands in for the webhook, Teams and
   * Slack sinks (GET `<receiverUrl>/view` shows what was sent, `/` as JSON), and the Event Grid topic stand-in.
   */
  notifications?: { receiverUrl: string; eventGridEndpoint: string };
  /** The queue-path scan worker (SCANNER_KIND=queue, the default), when the stack runs one. */
  scanWorker?: { pid: number };
  /** The registry token people push with (AcrPush), like an ACR repository-scoped token. */
  pushCredentials: { username: string; password: string };
  people: Array<{ objectId: string; displayName: string; userPrincipalName?: string; roles: string[] }>;
  /** "built-in" (local/stack/advisories.ts decides by repository name) or the folder of Trivy reports in use. */
  advisories: string;
}

export const DESCRIPTOR_FILE = "stack.json";

const text = { type: "string", minLength: 1 };
const validate = new Ajv({ allErrors: true }).compile<StackDescriptor>({
  type: "object",
  required: [
    "version",
    "pid",
    "stateDir",
    "caDir",
    "app",
    "acr",
    "identity",
    "scanner",
    "pushCredentials",
    "people",
    "advisories",
  ],
  properties: {
    version: { const: 1 },
    pid: { type: "integer", minimum: 1 },
    app: { type: "object", required: ["url", "functionKey", "masterKey", "durableSystemKey"] },
    acr: { type: "object", required: ["loginServer", "url", "adminUrl", "certDir", "caCertPath"] },
    identity: { type: "object", required: ["baseUrl", "endpoint", "identityHeader"] },
    scanner: { type: "object", required: ["url"] },
    pushCredentials: { type: "object", required: ["username", "password"] },
    people: { type: "array", items: { type: "object", required: ["objectId", "displayName", "roles"] } },
    advisories: text,
  },
});

export function descriptorPath(stateDir: string): string {
  return join(stateDir, DESCRIPTOR_FILE);
}

export function writeStackDescriptor(descriptor: StackDescriptor): void {
  writePrivateFile(descriptorPath(descriptor.stateDir), `${JSON.stringify(descriptor, null, 2)}\n`);
}

/** Removes the descriptor if this process wrote it (another stack may have taken the folder since). */
export function removeStackDescriptor(stateDir: string, pid = process.pid): void {
  try {
    if (parse(readFileSync(descriptorPath(stateDir), "utf8"), stateDir).pid !== pid) return;
  } catch {
    return;
  }
  rmSync(descriptorPath(stateDir), { force: true });
}

function parse(content: string, stateDir: string): StackDescriptor {
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch (error) {
    throw new StackDescriptorError(`${descriptorPath(stateDir)} is not JSON: ${(error as Error).message}`);
  }
  if (!validate(value)) {
    const problems = (validate.errors ?? []).map((e) => `${e.instancePath || "(file)"} ${e.message ?? ""}`).join("; ");
    throw new StackDescriptorError(
      `${descriptorPath(stateDir)} is not a stack descriptor of this version: ${problems}`,
    );
  }
  return value;
}

const START_HINT = "start one with `npm start` (in another terminal) and try again";

/**
 * The stack running for `stateDir`: its descriptor, once the launcher that wrote it is alive and the app answers.
 * Otherwise a NoStackRunningError that says which of these is missing.
 */
export async function findRunningStack(stateDir: string): Promise<StackDescriptor> {
  const file = descriptorPath(stateDir);
  let content: string;
  try {
    content = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT")
      throw new NoStackRunningError(`No local stack is running (no ${file}): ${START_HINT}.`);
    throw new NoStackRunningError(`Cannot read ${file} (${(error as Error).message}).`);
  }
  const descriptor = parse(content, stateDir);
  if (!isAlive(descriptor.pid))
    throw new NoStackRunningError(
      `No local stack is running: ${file} was written by process ${descriptor.pid}, which has ended: ${START_HINT}.`,
    );
  try {
    const health = await fetch(`${descriptor.app.url}/api/health`, { signal: AbortSignal.timeout(5_000) });
    await health.arrayBuffer();
  } catch (error) {
    throw new NoStackRunningError(
      `The local stack of process ${descriptor.pid} does not answer at ${descriptor.app.url} (${(error as Error).message}); ` +
        `it may still be starting, or ${START_HINT}.`,
    );
  }
  return descriptor;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, but another user's — not ours, yet not "gone" either.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
