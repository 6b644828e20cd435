import type { LoginServer } from "../acr/index.js";
import { ConfigError } from "../config.js";
import type { PipelineDirectory } from "./pipeline-view.js";
import type { SweepReport } from "./report.js";
import { registryDeps, sweepEnvironment, type SweepEnvironment } from "./services.js";
import { sweepRegistry } from "./sweep-registry.js";

/**
 * How long one run may walk before it stops cleanly and leaves the rest to the next run: the timer stays inside the
 * 10-minute functionTimeout (host.json) with room for the report; "run now" answers within the 230 s Azure allows an
 * HTTP request.
 */
export const TIME_LIMITS = { timerMs: 8 * 60_000, httpMs: 200_000 } as const;

export class UnknownRegistryError extends Error {
  override readonly name = "UnknownRegistryError";
}

/** The registries a run covers: all of GATE_REGISTRIES, or the one asked for (which must be one of them). */
export function selectRegistries(environment: SweepEnvironment, requested: string | undefined): LoginServer[] {
  const all = environment.registry.allowedRegistries;
  if (requested === undefined || requested.trim() === "") return [...all];
  const match = all.find((r) => r === requested.trim().toLowerCase());
  if (!match)
    throw new UnknownRegistryError(
      `${JSON.stringify(requested.slice(0, 200))} is not one of the gated registries (GATE_REGISTRIES)`,
    );
  return [match];
}

/** What an HTTP trigger needs before a run, or why it cannot run (a 400 for the caller's input, a 500 for the settings). */
export type RunSetup =
  | { ok: true; environment: SweepEnvironment; registries: LoginServer[] }
  | { ok: false; status: 400 | 500; message: string; problems?: readonly string[] };

export function prepareRun(requestedRegistry: string | undefined): RunSetup {
  try {
    const environment = sweepEnvironment();
    return { ok: true, environment, registries: selectRegistries(environment, requestedRegistry) };
  } catch (error) {
    if (error instanceof UnknownRegistryError) return { ok: false, status: 400, message: error.message };
    if (error instanceof ConfigError)
      return {
        ok: false,
        status: 500,
        message: "the app settings do not allow a sweep or backfill",
        problems: error.problems,
      };
    throw error;
  }
}

/**
 * One compliance sweep run: every selected registry at once (each has its own throttle budget in ACR, so they do
 * not compete), each bounded by the same time limit. Returns one report per registry; a registry's failure is in
 * its report, never an exception that hides the others.
 */
export async function runComplianceSweep(
  environment: SweepEnvironment,
  pipelines: PipelineDirectory,
  options: { trigger: string; timeLimitMs: number; registries?: LoginServer[] },
): Promise<SweepReport[]> {
  const deadline = Date.now() + options.timeLimitMs;
  const registries = options.registries ?? environment.registry.allowedRegistries;
  return Promise.all(
    registries.map((registry) =>
      sweepRegistry(registryDeps(environment, registry, pipelines), { trigger: options.trigger, deadline }),
    ),
  );
}
