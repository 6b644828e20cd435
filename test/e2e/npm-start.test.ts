import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { freshTempDir, localStateRoot, projectRoot } from "../support/paths.js";

/** `npm start` runs dist/local/start.js after building; `npm test` has just built, so the launcher is started directly. */
describe("npm start (the local stack launcher)", () => {
  it("comes up with embedded defaults, answers, and stops cleanly on SIGINT", async () => {
    const child = spawn(process.execPath, [join(projectRoot, "dist/local/start.js")], {
      // Without NODE_EXTRA_CA_CERTS, as from a fresh shell: the launcher must arrange its own trust of the local CA.
      env: {
        ...process.env,
        NODE_EXTRA_CA_CERTS: "",
        GATE_LOCAL_RANDOM_PORTS: "1",
        GATE_LOCAL_STATE: freshTempDir("stack"),
        GATE_LOCAL_CA_DIR: localStateRoot("tls"),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr.on("data", (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    try {
      const deadline = Date.now() + 60_000;
      while (!output.includes("\nHealth: ") && Date.now() < deadline && child.exitCode === null) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(output).toContain("local stack is up");
      expect(output).toMatch(/Health: ok; policy [0-9a-f]{12} loaded, 0 warning\(s\)\./);
      const adminUrl = /ACR admin API\s+(\S+)\/state/.exec(output)?.[1];
      expect(adminUrl).toBeDefined();
      const state = (await (await fetch(`${adminUrl}/state`)).json()) as {
        settings: { quarantinePolicy: string };
        principals: unknown[];
      };
      expect(state.settings.quarantinePolicy).toBe("enabled");
      expect(state.principals.length).toBeGreaterThanOrEqual(4);
      const acrUrl = /ACR emulator\s+(https:\/\/\S+)/.exec(output)?.[1];
      const challenge = await fetch(`${acrUrl}/v2/`);
      expect(challenge.status).toBe(401);
      const appUrl = /the app \(devhost\)\s+(\S+)\/api/.exec(output)?.[1];
      const health = await fetch(`${appUrl}/api/health`);
      expect(health.status).toBe(200);
      // The stack's policy loads without warnings: health says so with its version (and never the document).
      expect(((await health.json()) as { policy: unknown }).policy).toMatchObject({ loaded: true, warnings: 0 });
      const webhooks = (await (await fetch(`${adminUrl}/webhooks`)).json()) as Array<{ serviceUri: string }>;
      expect(webhooks[0]!.serviceUri).toBe(`${appUrl}/api/acr/events`);

      child.kill("SIGINT");
      expect(await exited).toBe(0);
      expect(output).toContain("stopping the local stack");
      await expect(fetch(`${adminUrl}/state`)).rejects.toThrow();
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
