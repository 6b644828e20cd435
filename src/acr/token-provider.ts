import type { TokenCredential } from "@azure/identity";
import type { PipelineResponse } from "@azure/core-rest-pipeline";
import { parseBearerChallenge, tokenTimes } from "./challenge.js";
import { AcrAuthError, AcrError } from "./errors.js";
import { ExpiringCache, type Expiring } from "./expiring-cache.js";
import { errorFromResponse, isSuccess, jsonBody, requestInfo } from "./http/responses.js";
import type { AcrTransport } from "./http/transport.js";
import type { LoginServer } from "./names.js";
import { scopeKey } from "./scopes.js";

export const DEFAULT_AUDIENCE = "https://containerregistry.azure.net";
/** ACR's SDKs refresh five minutes before expiry (acr-protocol.md §1.7). */
export const DEFAULT_REFRESH_MARGIN_MS = 5 * 60_000;

export interface TokenProviderOptions {
  credential: TokenCredential;
  transport: AcrTransport;
  /** Entra ID resource for the exchange; other clouds may need another (ACR_TOKEN_AUDIENCE). */
  audience?: string;
  refreshMarginMs?: number;
  now?: () => number;
}

/** Where a registry issues tokens, from its challenge. */
interface Authority {
  service: string;
  exchangeUrl: URL;
  tokenUrl: URL;
}

/** `https://x/.default` for an audience given with or without `/.default`. */
export function aadScope(audience: string): string {
  const trimmed = audience.trim().replace(/\/+$/, "");
  return trimmed.endsWith("/.default") ? trimmed : `${trimmed}/.default`;
}

/**
 * Managed identity → ACR tokens (acr-protocol.md §1): an Entra ID token for the ACR audience, exchanged at
 * /oauth2/exchange for an ACR refresh token (cached per registry), traded at /oauth2/token for access tokens (cached
 * per registry and scope set). Each cache holds a token until shortly before its `exp`, concurrent callers share one
 * request, and a refresh token the registry no longer accepts is exchanged again once.
 */
export class AcrTokenProvider {
  private readonly authorities = new Map<LoginServer, Promise<Authority>>();
  private readonly refreshTokens: ExpiringCache<string>;
  private readonly accessTokens: ExpiringCache<string>;
  private readonly now: () => number;
  readonly scope: string;

  constructor(private readonly options: TokenProviderOptions) {
    this.now = options.now ?? Date.now;
    this.scope = aadScope(options.audience ?? DEFAULT_AUDIENCE);
    const cacheOptions = { refreshMarginMs: options.refreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS, now: this.now };
    this.refreshTokens = new ExpiringCache(cacheOptions);
    this.accessTokens = new ExpiringCache(cacheOptions);
  }

  /** An ACR access token for these scopes on this registry. */
  accessToken(registry: LoginServer, scopes: readonly string[]): Promise<string> {
    return this.accessTokens.get(`${registry} ${scopeKey(scopes)}`, () => this.fetchAccessToken(registry, scopes));
  }

  /**
   * Fetches one access token covering several scope sets (ACR takes many scopes in one request) and caches it under
   * each set, so that a caller about to touch many repositories, like the sweep walking a catalog page, makes one
   * token request instead of one per repository. Sets that already have a usable token are left alone.
   */
  async prefetchAccessTokens(registry: LoginServer, scopeSets: readonly (readonly string[])[]): Promise<void> {
    const missing = scopeSets.filter((scopes) => !this.accessTokens.has(`${registry} ${scopeKey(scopes)}`));
    if (missing.length === 0) return;
    const token = await this.fetchAccessToken(registry, [...new Set(missing.flat())]);
    for (const scopes of missing) this.accessTokens.put(`${registry} ${scopeKey(scopes)}`, token);
  }

  /** Forgets an access token the registry refused, so that the next call fetches a new one. */
  invalidateAccessToken(registry: LoginServer, scopes: readonly string[], token: string): void {
    this.accessTokens.invalidate(`${registry} ${scopeKey(scopes)}`, token);
  }

  private async fetchAccessToken(registry: LoginServer, scopes: readonly string[]): Promise<Expiring<string>> {
    const authority = await this.authority(registry);
    for (let attempt = 1; ; attempt++) {
      const refreshToken = await this.refreshTokens.get(registry, () => this.exchange(registry, authority));
      const form = new URLSearchParams({
        grant_type: "refresh_token",
        service: authority.service,
        refresh_token: refreshToken,
      });
      for (const scope of scopes) form.append("scope", scope);
      const response = await this.post(registry, authority.tokenUrl, form);
      // The refresh token expired early or was revoked: exchange a new one, once.
      if (response.status === 401 && attempt === 1) {
        this.refreshTokens.invalidate(registry, refreshToken);
        continue;
      }
      if (!isSuccess(response))
        throw this.tokenError(response, authority.tokenUrl, registry, "ACR access token request failed");
      return this.expiring(this.field(response, authority.tokenUrl, registry, "access_token"));
    }
  }

  private async exchange(registry: LoginServer, authority: Authority): Promise<Expiring<string>> {
    let aadToken: string;
    try {
      const token = await this.options.credential.getToken(this.scope);
      if (!token?.token) throw new Error("the credential returned no token");
      aadToken = token.token;
    } catch (error) {
      throw new AcrAuthError(
        `could not get an Entra ID token for ${this.scope}: ${(error as Error)?.message ?? String(error)}`,
        { registry, cause: error },
      );
    }
    const form = new URLSearchParams({
      grant_type: "access_token",
      service: authority.service,
      access_token: aadToken,
    });
    const response = await this.post(registry, authority.exchangeUrl, form);
    if (!isSuccess(response))
      throw this.tokenError(response, authority.exchangeUrl, registry, "ACR token exchange failed");
    return this.expiring(this.field(response, authority.exchangeUrl, registry, "refresh_token"));
  }

  /**
   * Asks the registry who issues its tokens: an anonymous GET /v2/ answers 401 with a Bearer challenge. The realm
   * must be on the registry's own host over https, so a forged challenge cannot send Entra ID tokens elsewhere.
   */
  private authority(registry: LoginServer): Promise<Authority> {
    let pending = this.authorities.get(registry);
    if (!pending) {
      pending = this.discover(registry);
      this.authorities.set(registry, pending);
      pending.catch(() => this.authorities.delete(registry));
    }
    return pending;
  }

  private async discover(registry: LoginServer): Promise<Authority> {
    const url = new URL(`https://${registry}/v2/`);
    const response = await this.options.transport.send({ method: "GET", url, registry });
    const challenge =
      response.status === 401 ? parseBearerChallenge(response.headers.get("www-authenticate")) : undefined;
    const info = requestInfo("GET", url);
    if (!challenge) {
      if (response.status !== 401 && !isSuccess(response))
        throw errorFromResponse(response, info, registry, "registry challenge");
      throw new AcrAuthError(`registry ${registry} answered GET /v2/ with ${response.status} and no Bearer challenge`, {
        status: response.status,
        registry,
        request: info,
      });
    }
    let realm: URL;
    try {
      realm = new URL(challenge.realm);
    } catch {
      throw new AcrAuthError(`registry ${registry} sent a challenge with an invalid realm`, {
        registry,
        request: info,
      });
    }
    if (realm.protocol !== "https:" || realm.host.toLowerCase() !== registry) {
      throw new AcrAuthError(
        `registry ${registry} named a token realm on another origin (${realm.origin}); refusing to send tokens there`,
        { registry, request: info },
      );
    }
    // As azure-cli does: the realm's scheme and host, with the exchange and token paths.
    return {
      service: challenge.service,
      exchangeUrl: new URL("/oauth2/exchange", realm.origin),
      tokenUrl: new URL("/oauth2/token", realm.origin),
    };
  }

  private post(registry: LoginServer, url: URL, form: URLSearchParams): Promise<PipelineResponse> {
    return this.options.transport.send({
      method: "POST",
      url,
      registry,
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: form.toString(),
    });
  }

  /** Token endpoints: 429 and 5xx keep their own types; every other refusal is an authentication failure. */
  private tokenError(response: PipelineResponse, url: URL, registry: LoginServer, context: string): AcrError {
    const error = errorFromResponse(response, requestInfo("POST", url), registry, context);
    if (error instanceof AcrAuthError || response.status === 429 || response.status >= 500) return error;
    return new AcrAuthError(error.message, {
      acrCode: error.acrCode,
      status: error.status,
      registry,
      request: error.request,
      errors: error.errors,
    });
  }

  private field(
    response: PipelineResponse,
    url: URL,
    registry: LoginServer,
    name: "access_token" | "refresh_token",
  ): string {
    const info = requestInfo("POST", url);
    const body = jsonBody(response, info, registry) as Record<string, unknown> | null;
    const value = body?.[name];
    if (typeof value !== "string" || value === "")
      throw new AcrAuthError(`ACR POST ${info.path} on ${registry} answered without ${name}`, {
        status: response.status,
        registry,
        request: info,
      });
    return value;
  }

  private expiring(token: string): Expiring<string> {
    const times = tokenTimes(token);
    return { value: token, expiresAt: times.expiresAt, issuedAt: times.issuedAt ?? this.now() };
  }
}
