import { writeFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { behaviourFor, recordedReport } from "./recorded-reports.js";
import { parseReference, pullImage, PullError } from "./registry-pull.js";

/** The version the stand-in reports; the real image pins Trivy in scanner-worker/Dockerfile. */
export const STANDIN_VERSION = "0.0.0-standin";

function fatal(message: string, code = 1): never {
  // Trivy's own fatal line: "<time>\tFATAL\tFatal error\t<error chain>".
  process.stderr.write(`${new Date().toISOString()}\tFATAL\tFatal error\t${message}\n`);
  process.exit(code);
}

/**
 * A failed connection as Go's net package prints it (what Trivy's chain ends with when the registry does not answer),
 * e.g. `dial tcp 127.0.0.1:5000: connect: connection refused`; anything else as Node said it.
 */
function networkError(registry: string, code: unknown, message: string): string {
  switch (code) {
    case "ECONNREFUSED":
      return `Get "https://${registry}/v2/": dial tcp ${registry}: connect: connection refused`;
    case "ECONNRESET":
      return `Get "https://${registry}/v2/": read tcp ${registry}: read: connection reset by peer`;
    case "ETIMEDOUT":
    case "UND_ERR_CONNECT_TIMEOUT":
      return `Get "https://${registry}/v2/": dial tcp ${registry}: i/o timeout`;
    default:
      return `${message}${typeof code === "string" ? ` (${code})` : ""}`;
  }
}

/** Trivy durations as the stand-in needs them: `<n>s`, `<n>m`, `<n>h`, `<n>ms`, combined (e.g. 5m0s). */
function durationMs(text: string): number {
  let total = 0;
  const parts = text.matchAll(/(\d+)(ms|s|m|h)/g);
  let matched = "";
  for (const [whole, n, unit] of parts) {
    matched += whole;
    total += Number(n) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit as "ms" | "s" | "m" | "h"];
  }
  if (!matched || matched !== text) fatal(`invalid argument "${text}" for "--timeout" flag: time: invalid duration`);
  return total;
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === "--version" || argv[0] === "-v" || argv[0] === "version") {
    process.stdout.write(`Version: ${STANDIN_VERSION}\n`);
    return;
  }
  if (argv[0] !== "image" && argv[0] !== "i")
    fatal(`the stand-in only knows "trivy image", not ${JSON.stringify(argv[0] ?? "")}`);
  let parsed;
  try {
    parsed = parseArgs({
      args: argv.slice(1),
      allowPositionals: true,
      strict: true,
      options: {
        format: { type: "string", short: "f", default: "table" },
        output: { type: "string", short: "o" },
        quiet: { type: "boolean", short: "q" },
        "no-progress": { type: "boolean" },
        scanners: { type: "string" },
        timeout: { type: "string", default: "5m0s" },
        server: { type: "string" },
        "cache-dir": { type: "string" },
        "registry-token": { type: "string" },
        "skip-db-update": { type: "boolean" },
      },
    });
  } catch (error) {
    fatal(`flag error: ${(error as Error).message}`);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) fatal(`"trivy image" requires exactly 1 argument (got ${positionals.length})`);
  if (values.format !== "json") fatal(`the stand-in writes JSON reports only (--format json), not ${values.format}`);
  const target = positionals[0]!;
  // The bearer token, as Trivy takes it: the flag or TRIVY_REGISTRY_TOKEN (aquasecurity/trivy pkg/flag/options.go).
  const token = values["registry-token"] ?? (process.env.TRIVY_REGISTRY_TOKEN || undefined);
  const timeout = AbortSignal.timeout(durationMs(values.timeout));
  const ref = parseReference(target);
  const behaviour = behaviourFor(ref.repository);

  let pulled;
  try {
    pulled = await pullImage(ref, token, timeout);
  } catch (error) {
    const cause = (error as { cause?: { code?: unknown } }).cause?.code;
    const chain = timeout.aborted
      ? "context deadline exceeded"
      : error instanceof PullError
        ? error.message
        : networkError(ref.registry, cause, (error as Error).message);
    fatal(
      `run error: image scan error: scan error: unable to initialize a scan service: unable to initialize an image ` +
        `scan service: unable to find the specified image "${target}" in ["docker" "containerd" "podman" "remote"]: ` +
        `remote error: ${chain}`,
    );
  }
  const repoDigest = `${ref.registry}/${ref.repository}@${pulled.manifestDigest}`;
  const write = (text: string) => (values.output ? writeFileSync(values.output, text) : process.stdout.write(text));

  switch (behaviour.kind) {
    case "exit":
      fatal(
        `run error: image scan error: scan error: scan failed: failed analysis: stand-in told to fail`,
        behaviour.code,
      );
      break;
    case "hang":
      // Keeps the process alive until it is killed, whatever its timeout says: a scanner that hangs.
      setInterval(() => undefined, 60_000);
      return;
    case "garbage":
      write("this is not a Trivy report\n");
      return;
    case "slow":
      await sleep(behaviour.ms);
      write(recordedReport(behaviour.file, target, repoDigest, pulled.configDigest));
      return;
    case "report":
      write(recordedReport(behaviour.file, target, repoDigest, pulled.configDigest));
      return;
  }
}

main(process.argv.slice(2)).catch((error: Error) => fatal(error.message));
