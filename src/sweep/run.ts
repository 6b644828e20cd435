import type { LoginServer } from "../acr/index.js";
import { GateError } from "../errors/gate-error.js";
import type { PipelineDirectory } from "./pipeline-view.js";
import type { SweepReport } from "./report.js";
import { registryDeps, type SweepEnvironment } from "./services.js";
import { sweepRegistry } from "./sweep-registry.js";

/**
 * How long one run may walk before it stops cleanly and leaves the rest to the next run: the timer stays inside the
 * 10-minute functionTimeout (host.json) with room for the report; "run now" answers within the 230 s Azure allows an
 * HTTP request.
 */
export const TIME_LIMITS = { timerMs: 8 * 60_000, httpMs: 200_000 } as const;

/** A run asked for a registry that is not one of GATE_REGISTRIES. */
export class UnknownRegistryError extends GateError {
  static override readonly code = "ERR_UNKNOWN_REGISTRY";
  override readonly code = "ERR_UNKNOWN_REGISTRY";
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

/** The deadline of a run that may take `timeLimitMs` from now (epoch ms, on the environment's clock). */
export function runDeadline(environment: SweepEnvironment, timeLimitMs: number): number {
  return environment.now().getTime() + timeLimitMs;
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
  const deadline = runDeadline(environment, options.timeLimitMs);
  const registries = options.registries ?? environment.registry.allowedRegistries;
  return Promise.all(
    registries.map((registry) =>
      sweepRegistry(registryDeps(environment, registry, pipelines), { trigger: options.trigger, deadline }),
    ),
  );
}
