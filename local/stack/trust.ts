import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ensureLocalCa } from "../tls/ca.js";
import { onParentExit } from "./parent-watch.js";

/**
 * Makes this process trust the local stack's CA. Node reads NODE_EXTRA_CA_CERTS only at start-up, and the app talks
 * to the ACR emulator and the scanner over TLS (as in Azure), so when the variable does not already name the CA the
 * process runs itself again with it set (keeping any CA bundle the user had). Returns only in the trusting process.
 */
export async function ensureLocalCaTrusted(caDir: string): Promise<void> {
  const ca = await ensureLocalCa(caDir);
  const current = process.env.NODE_EXTRA_CA_CERTS;
  if (current === ca.certPath || process.env.GATE_LOCAL_CA_TRUSTED === ca.certPath) return;
  let bundle = ca.certPath;
  if (current) {
    bundle = join(caDir, "bundle-with-user-cas.pem");
    writeFileSync(bundle, `${readFileSync(current, "utf8")}\n${readFileSync(ca.certPath, "utf8")}`);
  }
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: "inherit",
    env: { ...process.env, NODE_EXTRA_CA_CERTS: bundle, GATE_LOCAL_CA_TRUSTED: ca.certPath },
  });
  // Signals are passed on (Ctrl-C reaches both, which the child's stop-once guard absorbs).
  process.on("SIGINT", () => child.kill("SIGINT"));
  process.on("SIGTERM", () => child.kill("SIGTERM"));
  // If whoever started us (npm, a shell) goes away without a signal reaching us, stop the stack all the same.
  onParentExit(() => child.kill("SIGTERM"));
  const code = await new Promise<number>((resolve) =>
    child.once("exit", (c, signal) => resolve(c ?? (signal ? 1 : 0))),
  );
  process.exit(code);
}
