import { DefaultAzureCredential, type TokenCredential } from "@azure/identity";
import { requestLimiter } from "./http/rate-limit.js";
import { AcrTransport, type TransportOptions } from "./http/transport.js";
import { RegistryAllowlist, repositoryName, type LoginServer } from "./names.js";
import { RegistryClient } from "./registry-client.js";
import { repositoryScope, type RepositoryAction } from "./scopes.js";
import { AcrTokenProvider, DEFAULT_AUDIENCE } from "./token-provider.js";

export interface AcrClientOptions extends TransportOptions {
  /** Any @azure/identity credential; production uses DefaultAzureCredential (managed identity). */
  credential: TokenCredential;
  /** Login servers this client may use (GATE_REGISTRIES); anything else is refused before a request. */
  allowedRegistries: Iterable<string>;
  /** Entra ID audience for the exchange (ACR_TOKEN_AUDIENCE); default https://containerregistry.azure.net. */
  audience?: string;
  /**
   * Actions requested on every repository token for reads (default metadata_read + metadata_write), so the reads of one
   * repository share one token. A read-only caller can ask for ["metadata_read"]. Releases add RELEASE_ACTIONS
   * (pull, push, metadata_read, metadata_write) and take a token of their own, which also serves their read-back.
   */
  repositoryActions?: RepositoryAction[];
  /** Default client-side budget for each registry; unset means no client-side limit. */
  requestsPerMinute?: number;
  /** Default page size of listings (1–1000, default 100). */
  pageSize?: number;
  /** How long before `exp` tokens are renewed (default 5 minutes, at most half a token's lifetime). */
  refreshMarginMs?: number;
}

export interface RegistryHandleOptions {
  /** A budget for this handle alone (e.g. the sweep's share of the registry's ReadOps). */
  requestsPerMinute?: number;
}

/**
 * The registry client: one token provider (and its caches) and one HTTP pipeline shared by all registries, and a
 * RegistryClient per login server.
 */
export class AcrClient {
  readonly allowlist: RegistryAllowlist;
  readonly tokens: AcrTokenProvider;
  private readonly transport: AcrTransport;
  private readonly shared = new Map<LoginServer, RegistryClient>();

  constructor(private readonly options: AcrClientOptions) {
    this.allowlist = new RegistryAllowlist(options.allowedRegistries);
    this.transport = new AcrTransport(options);
    this.tokens = new AcrTokenProvider({
      credential: options.credential,
      transport: this.transport,
      audience: options.audience,
      refreshMarginMs: options.refreshMarginMs,
      now: options.now,
    });
  }

  /** The client for one allowed registry. With its own requestsPerMinute, a handle gets a limiter of its own. */
  registry(loginServer: string, options: RegistryHandleOptions = {}): RegistryClient {
    const server = this.allowlist.check(loginServer);
    if (options.requestsPerMinute !== undefined) return this.create(server, options.requestsPerMinute);
    let client = this.shared.get(server);
    if (!client) {
      client = this.create(server, this.options.requestsPerMinute);
      this.shared.set(server, client);
    }
    return client;
  }

  /**
   * An ACR access token to pull one repository, for a scanner that pulls the image itself (the scanning module's
   * PullTokenSource). Names are validated and the registry must be allowed; the token comes from the shared caches.
   */
  async pullToken(loginServer: string, repository: string): Promise<string> {
    const server = this.allowlist.check(loginServer);
    return this.tokens.accessToken(server, [repositoryScope(repositoryName(repository), ["pull"])]);
  }

  private create(server: LoginServer, requestsPerMinute: number | undefined): RegistryClient {
    return new RegistryClient(server, {
      transport: this.transport,
      tokens: this.tokens,
      repositoryActions: this.options.repositoryActions ?? ["metadata_read", "metadata_write"],
      limiter: requestsPerMinute === undefined ? undefined : requestLimiter(requestsPerMinute),
      pageSize: this.options.pageSize ?? 100,
    });
  }
}

/** What the client needs from the app's settings (src/config.ts registryConfig satisfies it). */
export interface RegistrySettings {
  allowedRegistries: readonly string[];
  tokenAudience: string;
  managedIdentityClientId?: string;
}

/**
 * The production client: DefaultAzureCredential, which in Azure Functions is the managed identity — the
 * user-assigned one named by AZURE_CLIENT_ID when set, else the system-assigned one.
 */
export function createAcrClient(settings: RegistrySettings, overrides: Partial<AcrClientOptions> = {}): AcrClient {
  const credential = new DefaultAzureCredential(
    settings.managedIdentityClientId ? { managedIdentityClientId: settings.managedIdentityClientId } : {},
  );
  return new AcrClient({
    credential,
    allowedRegistries: settings.allowedRegistries,
    audience: settings.tokenAudience || DEFAULT_AUDIENCE,
    ...overrides,
  });
}
