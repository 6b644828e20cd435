import { describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodeJwt } from "jose";
import { freshTempDir, localStateRoot, projectRoot } from "../support/paths.js";
import { STACK_PEOPLE } from "../../local/stack/defaults.js";
import { personHandle } from "../../local/stack/people.js";
import type { StackDescriptor } from "../../local/stack/descriptor.js";
import { exposedSecrets, findSecretFiles } from "../integration/secrets-at-rest-walk.js";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command line through sh in the project folder, as a person pastes it into a terminal. */
function sh(command: string, env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn("sh", ["-c", command], { cwd: projectRoot, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The command printed on the line after the first line starting with `heading`. */
function commandAfter(output: string, heading: string): string {
  const lines = output.split("\n");
  const at = lines.findIndex((l) => l.startsWith(heading));
  expect(at, `"${heading}" in:\n${output}`).toBeGreaterThanOrEqual(0);
  return lines[at + 1]!.trim();
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    value = await read();
  }
  return value;
}

/**
 * A newcomer's first image on a running `npm start` stack, with nothing but what the banner and `npm run image` print:
 * curl and npm, no jq. The launcher is started as npm-start.test.ts does (npm test has just built).
 */
describe("newcomer path: npm start, npm run image, the printed commands", () => {
  it(
    "pushes an image, and the printed status and approve commands work; without a stack the tools say so",
    { timeout: 300_000 },
    async () => {
      const stateDir = freshTempDir("stack");
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        NODE_EXTRA_CA_CERTS: "",
        GATE_LOCAL_RANDOM_PORTS: "1",
        GATE_LOCAL_STATE: stateDir,
        GATE_LOCAL_CA_DIR: localStateRoot("tls"),
      };
      // The printed commands must work in a shell that knows nothing of this test's state folder.
      const { GATE_LOCAL_STATE: _state, ...plainEnv } = env;
      const child: ChildProcess = spawn(process.execPath, [join(projectRoot, "dist/local/start.js")], {
        env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let banner = "";
      child.stdout!.on("data", (c: Buffer) => (banner += c.toString()));
      child.stderr!.on("data", (c: Buffer) => (banner += c.toString()));
      const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
      try {
        const deadline = Date.now() + 90_000;
        while (!banner.includes("Ctrl-C stops everything") && Date.now() < deadline && child.exitCode === null)
          await new Promise((r) => setTimeout(r, 100));
        expect(banner).toContain("local stack is up");

        // The descriptor: private, and what the banner shows.
        const descriptorFile = join(stateDir, "stack.json");
        expect(statSync(descriptorFile).mode & 0o777).toBe(0o600);
        expect(statSync(stateDir).mode & 0o777).toBe(0o700);
        const stack = JSON.parse(readFileSync(descriptorFile, "utf8")) as StackDescriptor;
        for (const key of [stack.app.functionKey, stack.app.masterKey, stack.app.durableSystemKey])
          expect(banner).toContain(key);
        expect(banner).toMatch(/master key\s+\S+/);
        expect(banner).toMatch(/durable system key\s+\S+/);
        for (const person of STACK_PEOPLE) {
          const line = banner.split("\n").find((l) => l.includes(person.displayName));
          expect(line, person.displayName).toBeDefined();
          expect(line).toContain(personHandle(person));
          for (const role of person.roles) expect(line).toContain(role);
        }
        expect(banner).toContain("Quarantine.Reader");
        expect(banner).not.toMatch(/\bjq\b/);
        expect(banner).toContain("npm run image --");
        // The local notifications receiver (issue 17): its URL is printed, and it answers with what was sent.
        expect(stack.notifications?.receiverUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        expect(banner).toMatch(new RegExp(`notifications\\s+${stack.notifications!.receiverUrl}/view`));
        const received = await fetch(`${stack.notifications!.receiverUrl}/`);
        expect(received.status).toBe(200);
        expect(banner).toContain(stack.notifications!.eventGridEndpoint);
        expect(banner).toContain(`curl -sS -H 'x-functions-key: ${stack.app.functionKey}'`);
        const secrets = [
          stack.app.functionKey,
          stack.app.masterKey,
          stack.app.durableSystemKey,
          stack.pushCredentials.password,
        ];
        const secretFiles = findSecretFiles(stateDir, secrets);
        expect(secretFiles.map((f) => f.path)).toContain(descriptorFile);
        expect(exposedSecrets(secretFiles)).toEqual([]);

        // npm run image: build, push, digest, commands.
        const pushed = await sh("npm run -s image -- team/risky-app:v1", env);
        expect(pushed.code, pushed.stderr).toBe(0);
        const digest = /digest\s+(sha256:[0-9a-f]{64})/.exec(pushed.stdout)?.[1];
        expect(digest, pushed.stdout).toBeDefined();
        const reference = `${stack.acr.loginServer}/team/risky-app@${digest}`;
        expect(pushed.stdout).toContain(reference);
        expect(pushed.stdout).toContain("risky");
        expect(pushed.stdout).not.toMatch(/\bjq\b/);

        const statusCommand = commandAfter(pushed.stdout, "Status");
        const status = async () => {
          const run = await sh(statusCommand, plainEnv);
          expect(run.code, run.stderr).toBe(0);
          return JSON.parse(run.stdout) as {
            image: string;
            instanceId: string;
            stage?: string;
            outcome?: { result: string };
            decision?: { by: string };
          };
        };
        const waiting = await until(status, (s) => s.stage === "awaiting-approval", 60_000);
        expect(waiting.image).toBe(reference);
        expect(waiting.stage).toBe("awaiting-approval");

        const approveCommand = commandAfter(pushed.stdout, "Approve it");
        expect(approveCommand).toContain("$(");
        expect(approveCommand).toContain(waiting.instanceId);
        const approved = await sh(approveCommand, plainEnv);
        expect(approved.code, approved.stderr).toBe(0);
        expect(approved.stdout).toContain("Ada Approver");
        const released = await until(status, (s) => s.stage === "done", 60_000);
        expect(released.outcome?.result).toBe("Passed");
        expect(released.decision?.by).toContain("Ada");

        // npm run token: a token for a person, clear errors otherwise.
        const token = await sh("npm run -s token -- rita", env);
        expect(token.code, token.stderr).toBe(0);
        expect(decodeJwt(token.stdout.trim())).toMatchObject({ roles: ["Quarantine.Reader"] });
        const nobody = await sh("npm run -s token -- zed", env);
        expect(nobody.code).toBe(2);
        expect(nobody.stderr).toContain('no person "zed"');
        const badName = await sh("npm run -s image -- Team/App", env);
        expect(badName.code).toBe(2);
        expect(badName.stderr).toContain("is not a repository name");

        child.kill("SIGINT");
        expect(await exited).toBe(0);
        expect(() => statSync(descriptorFile)).toThrow();

        // No stack: the tools say so and fail.
        const none = await sh("npm run -s image -- team/app", env);
        expect(none.code).toBe(1);
        expect(none.stderr).toMatch(/No local stack is running .*npm start/);
        expect(none.stdout).toBe("");
        // A descriptor left by a stack that was killed outright: its process is gone.
        const dead = spawn("true");
        await new Promise((resolve) => dead.once("exit", resolve));
        writeFileSync(descriptorFile, JSON.stringify({ ...stack, pid: dead.pid }), { mode: 0o600 });
        const stale = await sh("npm run -s token -- ada", env);
        expect(stale.code).toBe(1);
        expect(stale.stderr).toMatch(/No local stack is running: .* has ended/);
      } finally {
        if (child.exitCode === null) child.kill("SIGKILL");
      }
    },
  );
});
