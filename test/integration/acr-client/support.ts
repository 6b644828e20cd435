import { ManagedIdentityCredential } from "@azure/identity";
import { AcrClient, type AcrClientOptions } from "../../../src/acr/index.js";
import { startLocalAcr, type LocalAcr, type TestPrincipal } from "../../support/local-acr.js";
import { useIdentityEndpointInProcess } from "../../../local/identity/process-environment.js";

/**
 * Starts the identity endpoint and the ACR emulator, and points @azure/identity's ManagedIdentityCredential at the
 * endpoint. msal-node picks and caches the managed-identity source per process, so this runs before any credential
 * is built; vitest gives each test file its own process.
 */
export async function startLocalAcrForClient(options: Parameters<typeof startLocalAcr>[0] = {}): Promise<LocalAcr> {
  const local = await startLocalAcr(options);
  useIdentityEndpointInProcess(local.identity);
  return local;
}

/** A client that authenticates as one of the test identities, through the real ManagedIdentityCredential. */
export function clientFor(
  local: LocalAcr,
  principal: TestPrincipal,
  options: Partial<AcrClientOptions> = {},
): AcrClient {
  return new AcrClient({
    credential: new ManagedIdentityCredential({ clientId: local.identities[principal].clientId }),
    allowedRegistries: [local.acr.loginServer],
    ...options,
  });
}

export type Stats = Record<string, number>;

/** The emulator's request counters since the last reset. */
export async function stats(local: LocalAcr): Promise<Stats> {
  return (await local.admin("GET", "/stats")) as Stats;
}

export async function resetStats(local: LocalAcr): Promise<void> {
  await local.admin("DELETE", "/stats");
}

export function count(s: Stats, name: string): number {
  return s[name] ?? 0;
}

/** The total of all counters: every request the emulator saw, whatever it was. */
export function total(s: Stats): number {
  return Object.values(s).reduce((sum, n) => sum + n, 0);
}

/** Collects an async iterable (for tests only: the client itself never loads all pages). */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** Seeds metadata-only manifests; returns their digests per repository, read back through the admin API's stats. */
export async function seed(
  local: LocalAcr,
  body: { repositories: number; manifestsPerRepository: number; prefix?: string; quarantineState?: string },
): Promise<void> {
  await local.admin("POST", "/seed", body);
}
