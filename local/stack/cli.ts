import { isGateError } from "../../src/errors/gate-error.js";
import { LocalUsageError } from "./errors.js";

/**
 * Runs a local command-line tool: its errors become one clear line on stderr and an exit code (2 for a usage error,
 * with the usage; 1 for anything else), never a stack trace for a known failure.
 */
export async function runCli(usage: string, main: (argv: string[]) => Promise<void>): Promise<void> {
  try {
    await main(process.argv.slice(2));
  } catch (error) {
    const usageError =
      error instanceof LocalUsageError || (error as { code?: string }).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION";
    if (usageError) {
      console.error(`${(error as Error).message}\n\n${usage}`);
      process.exitCode = 2;
      return;
    }
    console.error(isGateError(error) ? error.message : `failed: ${(error as Error).stack ?? String(error)}`);
    process.exitCode = 1;
  }
}
