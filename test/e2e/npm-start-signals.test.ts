import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { freshTempDir, localStateRoot, projectRoot } from "../support/paths.js";

/** Live processes (zombies excluded) by pid → parent pid, read from /proc. */
function processTable(): Map<number, number> {
  const table = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces, so split after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (state !== "Z") table.set(Number(entry), Number(ppid));
    } catch {
      // the process ended while we read
    }
  }
  return table;
}

function descendants(root: number): number[] {
  const table = processTable();
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const [pid, ppid] of table) {
      if (ppid === parent) {
        found.push(pid);
        queue.push(pid);
      }
    }
  }
  return found;
}

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return check();
}

/**
 * `npm start` as a person runs it: npm → shell → launcher → docker-registry, Azurite and the rest. Stopping npm must
 * stop all of it. (npm does not always pass SIGTERM on; the launcher notices its parent is gone.)
 */
describe("npm start stops the whole stack", () => {
  // SIGTERM goes to npm alone (`kill <npm pid>`); Ctrl-C in a terminal sends SIGINT to the whole foreground process
  // group, which is what the negative pid does here (spawned detached, npm leads its own group).
  const cases = [
    { what: "SIGTERM to the npm process", signal: "SIGTERM", group: false },
    { what: "Ctrl-C (SIGINT to npm's process group)", signal: "SIGINT", group: true },
  ] as const;
  for (const { what, signal, group } of cases) {
    it(`${what} leaves no process behind`, { timeout: 180_000 }, async () => {
      const npm = spawn("npm", ["start"], {
        cwd: projectRoot,
        detached: true,
        env: {
          ...process.env,
          NODE_EXTRA_CA_CERTS: "",
          GATE_LOCAL_RANDOM_PORTS: "1",
          GATE_LOCAL_STATE: freshTempDir("stack-signals"),
          GATE_LOCAL_CA_DIR: localStateRoot("tls"),
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      npm.stdout.on("data", (c: Buffer) => (output += c.toString()));
      npm.stderr.on("data", (c: Buffer) => (output += c.toString()));
      let tree: number[] = [];
      try {
        expect(await until(() => output.includes("Ctrl-C stops everything"), 150_000)).toBe(true);
        tree = descendants(npm.pid!);
        // npm, its shell, the launcher (and its CA-trusting re-exec), docker-registry, Azurite: a real tree.
        expect(tree.length).toBeGreaterThanOrEqual(4);
        const names = tree.map((pid) => readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " "));
        expect(names.some((name) => name.startsWith("docker-registry"))).toBe(true);

        process.kill(group ? -npm.pid! : npm.pid!, signal);
        const alive = () => tree.filter((pid) => processTable().has(pid));
        await until(() => alive().length === 0, 30_000);
        expect(alive()).toEqual([]);
      } finally {
        // Whatever the outcome, leave nothing running for the next test.
        for (const pid of [npm.pid!, ...tree]) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            // already gone
          }
        }
      }
    });
  }
});
