import { spawn } from "node:child_process";
import { KILL_GRACE_SECONDS } from "./config.js";

export interface TrivyOptions {
  path: string;
  serverUrl: string | undefined;
  cacheDir: string | undefined;
  timeoutSeconds: number;
  /** stdout beyond this is not a report the gate will take: Trivy is stopped and the scan fails. */
  maxReportBytes: number;
  /** Stops Trivy when the worker itself is asked to stop (the request then goes back to the queue). */
  signal?: AbortSignal;
}

export type TrivyOutcome =
  | { kind: "report"; body: Buffer; durationMs: number }
  | { kind: "exit"; exitCode: number | null; signal: NodeJS.Signals | null; stderrTail: string; durationMs: number }
  | { kind: "could-not-start"; error: string }
  | { kind: "timeout"; stderrTail: string; durationMs: number }
  | { kind: "too-large"; limit: number }
  | { kind: "bad-output"; detail: string }
  | { kind: "aborted" };

const KILL_GRACE_MS = KILL_GRACE_SECONDS * 1000;
const STDERR_TAIL_BYTES = 4_096;

// Variables Trivy must not see: the worker's own credentials. With them, Trivy's Azure credential helper could fetch an
// ACR token for the worker's identity instead of using the request's single-repository pull token.
const WITHHELD_ENV = [/^AZURE_/, /^IDENTITY_/, /^MSI_/, /^SCAN_QUEUE_/, /^TRIVY_(USERNAME|PASSWORD|REGISTRY_TOKEN)$/];

/**
 * The Trivy command line for one image. The pull token is not on it (command lines are readable in /proc): it goes in
 * TRIVY_REGISTRY_TOKEN. `--` ends the flags, so a reference can never be read as one.
 *
 * Flags (Trivy CLI reference, trivy.dev docs/references/configuration/cli/trivy_image): `--format json` is the report
 * the gate normalises; `--scanners vuln` because vulnerabilities are what the policy judges (secret scanning would run
 * client-side on every layer for nothing); `--timeout` is Trivy's own limit (its default of 5m0s would otherwise cut long scans short); `--server` is
 * client/server mode, where the vulnerability database stays on the Trivy server (docs/references/modes/client-server).
 */
export function trivyArguments(imageReference: string, options: Omit<TrivyOptions, "path">): string[] {
  return [
    "image",
    "--format",
    "json",
    // Not --quiet: Trivy's log lines (stderr) are what a failure report quotes; --no-progress keeps them readable.
    "--no-progress",
    "--scanners",
    "vuln",
    // Trivy's own limit a little beyond the worker's, so that the worker's timer decides: scanner-timeout, always.
    "--timeout",
    `${options.timeoutSeconds + KILL_GRACE_SECONDS}s`,
    ...(options.serverUrl ? ["--server", options.serverUrl] : []),
    ...(options.cacheDir ? ["--cache-dir", options.cacheDir] : []),
    "--",
    imageReference,
  ];
}

/**
 * The environment Trivy runs with. The token travels as TRIVY_REGISTRY_TOKEN: Trivy binds each flag to the variable
 * TRIVY_<FLAG NAME> (aquasecurity/trivy pkg/flag/options.go, BindEnv), and `--registry-token`
 * (pkg/flag/registry_flags.go) becomes an `authn.Bearer` that is then the only credential Trivy sends
 * (pkg/remote/remote.go, authOptions: with a RegistryToken it returns the bearer alone, no keychain).
 */
export function trivyEnvironment(
  pullToken: string | undefined,
  base: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(base)) {
    if (!WITHHELD_ENV.some((pattern) => pattern.test(name))) env[name] = value;
  }
  if (pullToken !== undefined) env.TRIVY_REGISTRY_TOKEN = pullToken;
  return env;
}

/** Runs Trivy once and says how it ended; never throws for anything Trivy does. */
export function runTrivy(
  imageReference: string,
  pullToken: string | undefined,
  options: TrivyOptions,
): Promise<TrivyOutcome> {
  const started = Date.now();
  return new Promise((resolve) => {
    if (options.signal?.aborted) return resolve({ kind: "aborted" });
    let settled = false;
    let ending: "timeout" | "too-large" | "aborted" | undefined;
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = Buffer.alloc(0);
    const child = spawn(options.path, trivyArguments(imageReference, options), {
      env: trivyEnvironment(pullToken),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let killTimer: NodeJS.Timeout | undefined;
    const stop = (why: NonNullable<typeof ending>) => {
      if (ending) return;
      ending = why;
      child.kill("SIGTERM");
      killTimer = setTimeout(() => child.kill("SIGKILL"), KILL_GRACE_MS);
    };
    const timeout = setTimeout(() => stop("timeout"), options.timeoutSeconds * 1000);
    const onAbort = () => stop("aborted");
    options.signal?.addEventListener("abort", onAbort, { once: true });
    const finish = (outcome: TrivyOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timeout);
      clearTimeout(killTimer);
      options.signal?.removeEventListener("abort", onAbort);
      resolve(outcome);
    };
    child.stdout.on("data", (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > options.maxReportBytes) return stop("too-large");
      stdout.push(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr = Buffer.concat([stderr, chunk]);
      if (stderr.length > STDERR_TAIL_BYTES) stderr = stderr.subarray(stderr.length - STDERR_TAIL_BYTES);
    });
    child.once("error", (error) => finish({ kind: "could-not-start", error: error.message }));
    child.once("close", (exitCode, signal) => {
      const durationMs = Date.now() - started;
      const stderrTail = stderr.toString("utf8");
      if (ending === "timeout") return finish({ kind: "timeout", stderrTail, durationMs });
      if (ending === "too-large") return finish({ kind: "too-large", limit: options.maxReportBytes });
      if (ending === "aborted") return finish({ kind: "aborted" });
      if (exitCode !== 0) return finish({ kind: "exit", exitCode, signal, stderrTail, durationMs });
      const body = Buffer.concat(stdout);
      const problem = notAReport(body);
      finish(problem ? { kind: "bad-output", detail: problem } : { kind: "report", body, durationMs });
    });
  });
}

/** Trivy exited 0: its stdout must still be one JSON object, or the scan failed (never "no findings"). */
function notAReport(body: Buffer): string | undefined {
  if (body.length === 0) return "Trivy printed nothing";
  try {
    const parsed = JSON.parse(body.toString("utf8")) as unknown;
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
      return "Trivy's output is not a JSON object";
    return undefined;
  } catch {
    return "Trivy's output is not JSON";
  }
}
