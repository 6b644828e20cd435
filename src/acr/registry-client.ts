import { isDeepStrictEqual } from "node:util";
import type { HttpMethods, PipelineResponse } from "@azure/core-rest-pipeline";
import { AcrInvalidInputError, AcrRequestError, AcrWriteNotConfirmedError } from "./errors.js";
import type { RequestLimiter } from "./http/rate-limit.js";
import { errorFromResponse, isSuccess, jsonBody, requestInfo } from "./http/responses.js";
import type { AcrTransport } from "./http/transport.js";
import {
  parseCatalogPage,
  parseManifestBody,
  parseManifestPage,
  type ManifestAttributes,
  type QuarantineVerdictState,
} from "./manifest.js";
import {
  digest as checkDigest,
  isRepositoryName,
  repositoryName,
  type Digest,
  type LoginServer,
  type RepositoryName,
} from "./names.js";
import { nextLink, safeNextUrl } from "./paging.js";
import { encodeQuarantineDetails, type QuarantineDetails } from "./quarantine-details.js";
import { CATALOG_SCOPE, RELEASE_ACTIONS, repositoryScope, type RepositoryAction } from "./scopes.js";
import type { AcrTokenProvider } from "./token-provider.js";

export interface RegistryClientContext {
  transport: AcrTransport;
  tokens: AcrTokenProvider;
  /** Actions asked for on every repository token, so one token per repository serves reads and writes alike. */
  repositoryActions: readonly RepositoryAction[];
  limiter: RequestLimiter | undefined;
  pageSize: number;
}

export interface ListOptions {
  /** Items per request (n), 1–1000. */
  pageSize?: number;
}

export interface ListManifestsOptions extends ListOptions {
  orderBy?: "timedesc" | "timeasc";
}

export interface QuarantineWrite {
  state: QuarantineVerdictState;
  /** Built with QuarantineDetailsBuilder (or anything that passes its validation). */
  details: QuarantineDetails;
}

export interface QuarantineWriteOptions {
  /**
   * How the write is read back. "auto" (default): from the PATCH answer when it carries the manifest (ACR's stable
   * API returns the attributes), otherwise by a GET; "get": always by a separate GET.
   */
  readBack?: "auto" | "get";
}

/** ACR's data-plane operations on one registry. Every name is validated before a URL exists. */
export class RegistryClient {
  constructor(
    readonly loginServer: LoginServer,
    private readonly ctx: RegistryClientContext,
  ) {}

  /** Every repository in the registry, one page in memory at a time (GET /acr/v1/_catalog, following Link). */
  listRepositories(options: ListOptions = {}): AsyncIterable<RepositoryName> {
    const url = this.url("/acr/v1/_catalog");
    url.searchParams.set("n", String(this.pageSize(options.pageSize)));
    return this.pages(url, [CATALOG_SCOPE], (body) => {
      const names = parseCatalogPage(body);
      if (typeof names === "string") return names;
      const invalid = names.find((name) => !isRepositoryName(name));
      return invalid === undefined
        ? (names as RepositoryName[])
        : `the catalog lists an invalid repository name ${JSON.stringify(invalid.slice(0, 80))}`;
    });
  }

  /** Every manifest of a repository with its attributes, one page in memory at a time. */
  listManifests(repository: string, options: ListManifestsOptions = {}): AsyncIterable<ManifestAttributes> {
    const repo = repositoryName(repository);
    if (options.orderBy !== undefined && options.orderBy !== "timedesc" && options.orderBy !== "timeasc") {
      throw new AcrInvalidInputError(`orderBy must be "timedesc" or "timeasc"`);
    }
    const url = this.url(`/acr/v1/${repo}/_manifests`);
    url.searchParams.set("n", String(this.pageSize(options.pageSize)));
    if (options.orderBy) url.searchParams.set("orderby", options.orderBy);
    return this.pages(url, [this.scope(repo, "metadata_read")], (body) =>
      parseManifestPage(this.loginServer, repo, body),
    );
  }

  /**
   * Gets, in one token request per `batchSize` repositories, the tokens `listManifests` will need for these
   * repositories (each repository keeps its own cache entry, so nothing else changes for the callers).
   */
  async prefetchListingTokens(repositories: readonly string[], batchSize = 25): Promise<void> {
    const sets = repositories.map((r) => [this.scope(repositoryName(r), "metadata_read")]);
    for (let i = 0; i < sets.length; i += batchSize)
      await this.ctx.tokens.prefetchAccessTokens(this.loginServer, sets.slice(i, i + batchSize));
  }

  /** One manifest's attributes, quarantine state and details included. */
  async getManifest(repository: string, digest: string): Promise<ManifestAttributes> {
    const repo = repositoryName(repository);
    return this.readManifest(repo, checkDigest(digest), [this.scope(repo, "metadata_read")]);
  }

  private async readManifest(repo: RepositoryName, d: Digest, scopes: readonly string[]): Promise<ManifestAttributes> {
    const url = this.manifestUrl(repo, d);
    const response = await this.authorized("GET", url, scopes);
    return this.manifestFrom(response, url, "GET", repo, d);
  }

  /**
   * Sets quarantineState (Passed | Failed) and quarantineDetails, then reads the manifest back and checks that it
   * shows exactly what was written; otherwise AcrWriteNotConfirmedError. Returns the attributes read back.
   */
  async setQuarantineState(
    repository: string,
    digest: string,
    write: QuarantineWrite,
    options: QuarantineWriteOptions = {},
  ): Promise<ManifestAttributes> {
    const { repo, d, encoded } = this.checkWrite(repository, digest, write);
    return this.patchQuarantine(repo, d, write, encoded, options);
  }

  /**
   * The idempotent form of setQuarantineState, for callers that may run more than once for one decision (a Durable
   * activity is delivered at least once): reads the manifest first and sends the PATCH only when quarantineState and
   * quarantineDetails differ from what would be written. Either way the attributes returned are what the registry
   * showed afterwards (the read itself, or the PATCH's read-back), so the outcome is proven, not assumed; `written`
   * says whether this call sent the PATCH. The read uses the release token, so it costs no extra token request.
   */
  async ensureQuarantineState(
    repository: string,
    digest: string,
    write: QuarantineWrite,
    options: QuarantineWriteOptions = {},
  ): Promise<{ attributes: ManifestAttributes; written: boolean }> {
    const { repo, d, encoded } = this.checkWrite(repository, digest, write);
    const current = await this.readManifest(repo, d, this.releaseScopes(repo));
    if (shows(current, write, encoded)) return { attributes: current, written: false };
    return { attributes: await this.patchQuarantine(repo, d, write, encoded, options), written: true };
  }

  /**
   * The manifest lock by digest: sets `readEnabled` (false refuses pulls by tag and by digest; true allows them again)
   * when the registry does not already show it, then reads it back; AcrWriteNotConfirmedError if it does not show it.
   * `PATCH /acr/v1/{name}/_manifests/{reference}` with the changeable attributes (ManifestChangeableAttributes,
   * readEnabled: "Read enabled"; data-plane spec 2021-07-01, acr-protocol.md §2.3, S5), as `az acr repository update
   * --image … --read-enabled false` sends it ("lock an image", MicrosoftDocs container-registry-image-lock.md).
   * Returns the attributes shown afterwards and whether this call sent the PATCH.
   */
  async ensureReadEnabled(
    repository: string,
    digest: string,
    readEnabled: boolean,
  ): Promise<{ attributes: ManifestAttributes; written: boolean }> {
    const repo = repositoryName(repository);
    const d = checkDigest(digest);
    if (typeof readEnabled !== "boolean") throw new AcrInvalidInputError("readEnabled must be a boolean");
    const scopes = [this.scope(repo, "metadata_write")];
    const current = await this.readManifest(repo, d, scopes);
    if (current.changeableAttributes.readEnabled === readEnabled) return { attributes: current, written: false };
    const url = this.manifestUrl(repo, d);
    const response = await this.authorized("PATCH", url, scopes, JSON.stringify({ readEnabled }));
    const readBack = this.manifestInAnswer(response, repo, d) ?? (await this.readManifest(repo, d, scopes));
    if (readBack.changeableAttributes.readEnabled !== readEnabled) {
      const info = requestInfo("PATCH", url);
      throw new AcrWriteNotConfirmedError(
        `ACR PATCH ${info.path} on ${this.loginServer}: read back shows readEnabled ${String(readBack.changeableAttributes.readEnabled)}, not ${String(readEnabled)}`,
        { registry: this.loginServer, request: info, status: response.status },
      );
    }
    return { attributes: readBack, written: true };
  }

  private checkWrite(
    repository: string,
    digest: string,
    write: QuarantineWrite,
  ): { repo: RepositoryName; d: Digest; encoded: string } {
    const repo = repositoryName(repository);
    const d = checkDigest(digest);
    if (write?.state !== "Passed" && write?.state !== "Failed")
      throw new AcrInvalidInputError(`quarantine state must be "Passed" or "Failed"`);
    return { repo, d, encoded: encodeQuarantineDetails(write.details) };
  }

  /** The release token (RELEASE_ACTIONS) also serves the reads around it, so a release costs one token request. */
  private releaseScopes(repo: RepositoryName): string[] {
    return [repositoryScope(repo, [...this.ctx.repositoryActions, ...RELEASE_ACTIONS])];
  }

  private async patchQuarantine(
    repo: RepositoryName,
    d: Digest,
    write: QuarantineWrite,
    encoded: string,
    options: QuarantineWriteOptions,
  ): Promise<ManifestAttributes> {
    const url = this.manifestUrl(repo, d);
    const scopes = this.releaseScopes(repo);
    const response = await this.authorized(
      "PATCH",
      url,
      scopes,
      JSON.stringify({ quarantineState: write.state, quarantineDetails: encoded }),
    );
    const answered = options.readBack === "get" ? undefined : this.manifestInAnswer(response, repo, d);
    const readBack = answered ?? (await this.readManifest(repo, d, scopes));
    const sameDetails = sameQuarantineDetails(readBack, write, encoded);
    if (readBack.quarantine.state !== write.state || !sameDetails) {
      const info = requestInfo("PATCH", url);
      throw new AcrWriteNotConfirmedError(
        `ACR PATCH ${info.path} on ${this.loginServer}: read back shows quarantineState ${JSON.stringify(readBack.quarantine.state ?? null)}${sameDetails ? "" : " and other details"}, not ${write.state}`,
        { registry: this.loginServer, request: info, status: response.status },
      );
    }
    return readBack;
  }

  private url(path: string): URL {
    return new URL(path, `https://${this.loginServer}`);
  }

  private manifestUrl(repository: RepositoryName, digest: Digest): URL {
    return this.url(`/acr/v1/${repository}/_manifests/${digest}`);
  }

  private scope(repository: RepositoryName, needed: RepositoryAction): string {
    return repositoryScope(repository, [...this.ctx.repositoryActions, needed]);
  }

  private pageSize(requested: number | undefined): number {
    const size = requested ?? this.ctx.pageSize;
    if (!Number.isInteger(size) || size < 1 || size > 1000)
      throw new AcrInvalidInputError(`pageSize must be an integer from 1 to 1000, got ${String(size)}`);
    return size;
  }

  /** Sends with a cached token; a 401 drops that token and retries once with a fresh one. Non-2xx → typed error. */
  private async authorized(
    method: HttpMethods,
    url: URL,
    scopes: readonly string[],
    body?: string,
  ): Promise<PipelineResponse> {
    const headers: Record<string, string> = body === undefined ? {} : { "Content-Type": "application/json" };
    for (let attempt = 1; ; attempt++) {
      const token = await this.ctx.tokens.accessToken(this.loginServer, scopes);
      const response = await this.ctx.transport.send({
        method,
        url,
        registry: this.loginServer,
        headers: { ...headers, Authorization: `Bearer ${token}` },
        body,
        limiter: this.ctx.limiter,
      });
      if (response.status === 401 && attempt === 1) {
        this.ctx.tokens.invalidateAccessToken(this.loginServer, scopes, token);
        continue;
      }
      if (!isSuccess(response)) throw errorFromResponse(response, requestInfo(method, url), this.loginServer);
      return response;
    }
  }

  private manifestFrom(
    response: PipelineResponse,
    url: URL,
    method: string,
    repo: RepositoryName,
    d: Digest,
  ): ManifestAttributes {
    const info = requestInfo(method, url);
    const parsed = parseManifestBody(this.loginServer, repo, jsonBody(response, info, this.loginServer));
    if (typeof parsed === "string") throw this.malformed(info, parsed);
    if (parsed.digest !== d) throw this.malformed(info, `it describes ${parsed.digest}, not the requested manifest`);
    return parsed;
  }

  /** The manifest in a PATCH answer, if the answer carries one for this digest. */
  private manifestInAnswer(
    response: PipelineResponse,
    repo: RepositoryName,
    d: Digest,
  ): ManifestAttributes | undefined {
    if (!response.bodyAsText) return undefined;
    let body: unknown;
    try {
      body = JSON.parse(response.bodyAsText);
    } catch {
      return undefined;
    }
    const parsed = parseManifestBody(this.loginServer, repo, body);
    return typeof parsed === "string" || parsed.digest !== d ? undefined : parsed;
  }

  private malformed(info: { method: string; path: string }, why: string): AcrRequestError {
    return new AcrRequestError(
      `ACR ${info.method} ${info.path} on ${this.loginServer} answered with an unexpected body: ${why}`,
      {
        registry: this.loginServer,
        request: info,
      },
    );
  }

  /** Follows `Link: <…>; rel="next"` one page at a time; a link off this endpoint or back to the same page stops it. */
  private async *pages<T>(
    first: URL,
    scopes: readonly string[],
    parse: (body: unknown) => T[] | string,
  ): AsyncGenerator<T, void, undefined> {
    let url = first;
    for (;;) {
      const response = await this.authorized("GET", url, scopes);
      const info = requestInfo("GET", url);
      const items = parse(jsonBody(response, info, this.loginServer));
      if (typeof items === "string") throw this.malformed(info, items);
      yield* items;
      const link = nextLink(response.headers.get("link"));
      if (link === undefined) return;
      const next = safeNextUrl(link, url);
      if (!next) throw this.malformed(info, "its Link header leads off this endpoint");
      if (next.href === url.href) throw this.malformed(info, "its Link header points back to the same page");
      url = next;
    }
  }
}

/** The details the registry shows are the ones written: the same string, or (re-encoded by the registry) the same JSON. */
function sameQuarantineDetails(attributes: ManifestAttributes, write: QuarantineWrite, encoded: string): boolean {
  return (
    attributes.quarantine.rawDetails === encoded || isDeepStrictEqual(attributes.quarantine.details, write.details)
  );
}

/** The manifest already shows this write: the same state and the same details. */
function shows(attributes: ManifestAttributes, write: QuarantineWrite, encoded: string): boolean {
  return attributes.quarantine.state === write.state && sameQuarantineDetails(attributes, write, encoded);
}
