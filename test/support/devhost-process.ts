import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { clockEnvironment } from "./host-clock.js";
import { projectRoot } from "./paths.js";

/**
 * The compiled app in the devhost CLI as a process of its own (dist/local/devhost/main.js), so a test can SIGKILL it
 * mid-work and start it again on the same storage. Resolves once it prints DEVHOST_READY; throws with its output when
 * it exits or is not ready within 30 s. `adjustableClock` sets DEVHOST_ADJUSTABLE_CLOCK=1 in its environment
 * (and without it the variable is removed, so the clock is real).
 */
export async function startHostProcess(options: {
  storage: string;
  port: number;
  settings: Record<string, string>;
  adjustableClock?: boolean;
}): Promise<ChildProcess> {
  const args = [
    join(projectRoot, "dist/local/devhost/main.js"),
    "--app-root",
    projectRoot,
    "--storage",
    options.storage,
    "--port",
    String(options.port),
  ];
  for (const [k, v] of Object.entries(options.settings)) args.push("--setting", `${k}=${v}`);
  const env = clockEnvironment(options.adjustableClock === true);
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], env });
  let output = "";
  child.stdout!.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (output += c.toString()));
  const deadline = Date.now() + 30_000;
  while (!output.includes("DEVHOST_READY")) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`devhost did not start: ${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return child;
}
