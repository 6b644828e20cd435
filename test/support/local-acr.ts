import { startIdentityServer, type IdentityServer } from "../../local/identity/server.js";
import { callEmulatorAdmin } from "../../local/acr-emulator/admin-client.js";
import { startAcrEmulator, type AcrEmulator, type AcrEmulatorOptions } from "../../local/acr-emulator/server.js";
import type { LocalIdentity } from "../../local/identity/config.js";
import type { RoleName } from "../../local/acr-emulator/roles.js";
import { freshTempDir, localStateRoot } from "./paths.js";

/** The identities every registry test can use, each with the roles its name says. "stranger" has no role at all. */
export const TEST_PRINCIPALS = {
  pusher: ["AcrPush"],
  puller: ["AcrPull"],
  reader: ["AcrQuarantineReader"],
  writer: ["AcrQuarantineWriter"],
  gate: ["AcrQuarantineReader", "AcrQuarantineWriter"],
  deleter: ["AcrDelete", "AcrPull"],
  owner: ["Owner"],
  stranger: [],
} as const satisfies Record<string, readonly RoleName[]>;

export type TestPrincipal = keyof typeof TEST_PRINCIPALS;

function testIdentity(name: TestPrincipal, index: number): LocalIdentity {
  const n = String(index + 1).padStart(2, "0");
  return {
    clientId: `c1e00000-0000-4000-8000-0000000000${n}`,
    objectId: `0b100000-0000-4000-8000-0000000000${n}`,
    displayName: name,
  };
}

export interface LocalAcr {
  identity: IdentityServer;
  acr: AcrEmulator;
  identities: Record<TestPrincipal, LocalIdentity>;
  dataDir: string;
  /** Calls the emulator's admin API; throws on a non-2xx answer. */
  admin(method: string, path: string, body?: unknown): Promise<unknown>;
  /** Entra ID token of a test identity, straight from the identity endpoint (App Service protocol). */
  aadToken(name: TestPrincipal, resource?: string): Promise<string>;
  /** ACR refresh token for a test identity, via /oauth2/exchange. */
  refreshToken(name: TestPrincipal): Promise<string>;
  /** ACR access token for a test identity and scopes, via /oauth2/token with the refresh token. */
  accessToken(name: TestPrincipal, scopes: string[]): Promise<string>;
  /** skopeo/docker credentials: the null GUID with the ACR refresh token as password, as `az acr login` does. */
  skopeoCreds(name: TestPrincipal): Promise<string>;
  /** Stops the emulator (keeping its data) and starts it again on the same folders. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the identity endpoint and the ACR emulator (with docker-registry) on free loopback ports. */
export async function startLocalAcr(
  options: Partial<Pick<AcrEmulatorOptions, "settings" | "webhooks">> = {},
): Promise<LocalAcr> {
  const names = Object.keys(TEST_PRINCIPALS) as TestPrincipal[];
  const identities = Object.fromEntries(names.map((n, i) => [n, testIdentity(n, i)])) as Record<
    TestPrincipal,
    LocalIdentity
  >;
  const identity = await startIdentityServer({ config: { userAssigned: Object.values(identities) } });
  const dataDir = freshTempDir("acr");
  const emulatorOptions = (): AcrEmulatorOptions => ({
    dataDir,
    caDir: localStateRoot("tls"),
    identity: { jwksUri: identity.jwksUri, issuer: identity.issuer },
    principals: names
      .filter((n) => TEST_PRINCIPALS[n].length > 0)
      .map((n) => ({ id: identities[n].objectId, displayName: n, roles: [...TEST_PRINCIPALS[n]] })),
    webhooks: options.webhooks,
    settings: { throttling: null, ...options.settings },
  });
  let acr = await startAcrEmulator(emulatorOptions());
  let port = Number(acr.loginServer.split(":")[1]);

  const local: LocalAcr = {
    identity,
    get acr() {
      return acr;
    },
    identities,
    dataDir,
    admin: (method, path, body) => callEmulatorAdmin(acr.adminUrl, method, path, body),
    async aadToken(name, resource = "https://containerregistry.azure.net") {
      const url = `${identity.endpoint}?api-version=2019-08-01&resource=${encodeURIComponent(resource)}&client_id=${identities[name].clientId}`;
      const response = await fetch(url, { headers: { "X-IDENTITY-HEADER": identity.identityHeader } });
      if (!response.ok) throw new Error(`identity endpoint → ${response.status}`);
      return ((await response.json()) as { access_token: string }).access_token;
    },
    async refreshToken(name) {
      const form = new URLSearchParams({
        grant_type: "access_token",
        service: acr.loginServer,
        access_token: await local.aadToken(name),
      });
      const response = await fetch(`${acr.url}/oauth2/exchange`, { method: "POST", body: form });
      if (!response.ok) throw new Error(`exchange for ${name} → ${response.status}: ${await response.text()}`);
      return ((await response.json()) as { refresh_token: string }).refresh_token;
    },
    async accessToken(name, scopes) {
      const form = new URLSearchParams({
        grant_type: "refresh_token",
        service: acr.loginServer,
        refresh_token: await local.refreshToken(name),
      });
      for (const scope of scopes) form.append("scope", scope);
      const response = await fetch(`${acr.url}/oauth2/token`, { method: "POST", body: form });
      if (!response.ok) throw new Error(`token for ${name} → ${response.status}: ${await response.text()}`);
      return ((await response.json()) as { access_token: string }).access_token;
    },
    async skopeoCreds(name) {
      return `00000000-0000-0000-0000-000000000000:${await local.refreshToken(name)}`;
    },
    async restart() {
      await acr.stop();
      acr = await startAcrEmulator({ ...emulatorOptions(), port });
      port = Number(acr.loginServer.split(":")[1]);
    },
    async stop() {
      await acr.stop();
      await identity.close();
    },
  };
  return local;
}

export function repoRef(local: LocalAcr, repository: string, reference: string): string {
  return `${local.acr.loginServer}/${repository}${reference.startsWith("sha256:") ? "@" : ":"}${reference}`;
}
