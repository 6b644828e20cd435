import { createHash } from "node:crypto";
import { ReferrerRegistryError } from "./errors.js";
import { OCI_INDEX, OCI_MANIFEST } from "./media-types.js";

/**
 * A registry access token for one repository and a set of actions (Docker token scopes). `refused` is the token the
 * registry just answered 401 to: drop it from any cache and get a new one.
 */
export type RepositoryToken = (
  repository: string,
  actions: Array<"pull" | "push">,
  refused?: string,
) => Promise<string>;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export function sha256Digest(bytes: Uint8Array | string): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

const ATTEMPTS = 3;

/**
 * The few OCI distribution-spec v1.1 calls the attestations need (opencontainers/distribution-spec @ 967efdc0,
 * spec.md): blob upload (POST /v2/<name>/blobs/uploads/ then PUT <location>?digest=, "Pushing a blob monolithically"),
 * manifest push (PUT /v2/<name>/manifests/<digest>), manifest and blob pull, and the referrers list
 * (GET /v2/<name>/referrers/<digest>, following Link rel="next"). Tokens go only to the registry's own origin: an
 * upload Location on another host is reduced to its path, and a blob redirect (ACR answers blob pulls with a redirect
 * to storage) is followed without the token. 429/5xx and network errors are tried again, twice.
 */
export class OciRegistry {
  readonly base: URL;

  constructor(
    readonly loginServer: string,
    private readonly token: RepositoryToken,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {
    this.base = new URL(`https://${loginServer}`);
  }

  async pushBlob(repository: string, bytes: Uint8Array | string, mediaType: string): Promise<Descriptor> {
    const body = typeof bytes === "string" ? Buffer.from(bytes, "utf8") : Buffer.from(bytes);
    const digest = sha256Digest(body);
    const head = await this.send(repository, ["pull", "push"], "HEAD", `/v2/${repository}/blobs/${digest}`);
    if (head.status === 200) return { mediaType, digest, size: body.length };
    const start = await this.send(repository, ["pull", "push"], "POST", `/v2/${repository}/blobs/uploads/`);
    if (start.status !== 202) throw await this.failure(start, `POST blob upload in ${repository}`);
    const location = start.headers.get("location");
    if (!location)
      throw new ReferrerRegistryError(`the registry started an upload in ${repository} without a Location`);
    const target = new URL(location, this.base);
    // The token is for this registry only: a Location elsewhere keeps just its path and query.
    const path = `${target.pathname}${target.search}${target.search ? "&" : "?"}digest=${encodeURIComponent(digest)}`;
    const put = await this.send(repository, ["pull", "push"], "PUT", path, body, {
      "Content-Type": "application/octet-stream",
    });
    if (put.status !== 201) throw await this.failure(put, `PUT blob ${digest} in ${repository}`);
    return { mediaType, digest, size: body.length };
  }

  /** Pushes a manifest by digest; answers its descriptor and whether the registry processed `subject` (OCI-Subject). */
  async pushManifest(
    repository: string,
    manifest: string,
    mediaType = OCI_MANIFEST,
  ): Promise<{ descriptor: Descriptor; ociSubject: string | null }> {
    const digest = sha256Digest(manifest);
    const put = await this.send(
      repository,
      ["pull", "push"],
      "PUT",
      `/v2/${repository}/manifests/${digest}`,
      manifest,
      {
        "Content-Type": mediaType,
      },
    );
    if (put.status !== 201) throw await this.failure(put, `PUT manifest ${digest} in ${repository}`);
    return {
      descriptor: { mediaType, digest, size: Buffer.byteLength(manifest) },
      ociSubject: put.headers.get("oci-subject"),
    };
  }

  /** Every referrer of `subject`, optionally of one artifactType (filtered here too: the filter is a SHOULD). */
  async referrers(repository: string, subject: string, artifactType?: string): Promise<Descriptor[]> {
    const out: Descriptor[] = [];
    let path = `/v2/${repository}/referrers/${subject}${artifactType ? `?artifactType=${encodeURIComponent(artifactType)}` : ""}`;
    for (let page = 0; page < 100; page++) {
      const response = await this.send(repository, ["pull"], "GET", path, undefined, { Accept: OCI_INDEX });
      if (response.status !== 200) throw await this.failure(response, `GET referrers of ${subject} in ${repository}`);
      const index = (await response.json().catch(() => undefined)) as { manifests?: Descriptor[] } | undefined;
      if (!index || !Array.isArray(index.manifests))
        throw new ReferrerRegistryError(`the referrers answer for ${subject} is not an image index`);
      out.push(
        ...index.manifests.filter(
          (d) => typeof d?.digest === "string" && (artifactType === undefined || d.artifactType === artifactType),
        ),
      );
      const next = /<([^>]+)>\s*;\s*rel="?next"?/.exec(response.headers.get("link") ?? "")?.[1];
      if (!next) return out;
      const url = new URL(next, this.base);
      if (url.origin !== this.base.origin) throw new ReferrerRegistryError("a referrers Link leads off the registry");
      path = `${url.pathname}${url.search}`;
    }
    throw new ReferrerRegistryError(`more than 100 pages of referrers for ${subject}`);
  }

  /** A manifest's bytes by digest, checked against the digest. */
  async manifest(repository: string, digest: string): Promise<Buffer> {
    const response = await this.send(repository, ["pull"], "GET", `/v2/${repository}/manifests/${digest}`, undefined, {
      // Every manifest type a subject may be: a registry answers a digest in its stored form only when asked for it.
      Accept: [
        OCI_MANIFEST,
        OCI_INDEX,
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
      ].join(", "),
    });
    if (response.status !== 200) throw await this.failure(response, `GET manifest ${digest} in ${repository}`);
    return checked(Buffer.from(await response.arrayBuffer()), digest);
  }

  /** A blob's bytes by digest (following a redirect without the token), checked against the digest. */
  async blob(repository: string, digest: string, maxBytes = 16 * 1024 * 1024): Promise<Buffer> {
    let response = await this.send(repository, ["pull"], "GET", `/v2/${repository}/blobs/${digest}`);
    if (response.status >= 300 && response.status < 400 && response.headers.get("location")) {
      const location = new URL(response.headers.get("location")!, this.base);
      response = await this.fetchImpl(location, { redirect: "follow" });
    }
    if (response.status !== 200) throw await this.failure(response, `GET blob ${digest} in ${repository}`);
    const bytes = Buffer.from(await response.arrayBuffer());
    if (bytes.length > maxBytes) throw new ReferrerRegistryError(`blob ${digest} is larger than ${maxBytes} bytes`);
    return checked(bytes, digest);
  }

  private async send(
    repository: string,
    actions: Array<"pull" | "push">,
    method: string,
    path: string,
    body?: Buffer | string,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const url = new URL(path, this.base);
    let refused: string | undefined;
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      const token = await this.token(repository, actions, refused);
      let response: Response;
      try {
        response = await this.fetchImpl(url, {
          method,
          headers: { ...headers, Authorization: `Bearer ${token}` },
          ...(body === undefined ? {} : { body }),
          redirect: "manual",
        });
      } catch (error) {
        if (attempt < ATTEMPTS) continue;
        throw new ReferrerRegistryError(
          `${method} ${url.pathname} on ${this.loginServer}: ${(error as Error).message}`,
          {
            cause: error,
          },
        );
      }
      if ((response.status === 429 || response.status >= 500) && attempt < ATTEMPTS) {
        await response.body?.cancel();
        await new Promise((r) => setTimeout(r, 250 * attempt));
        continue;
      }
      if (response.status === 401 && !refreshed) {
        refreshed = true;
        refused = token;
        await response.body?.cancel();
        continue;
      }
      return response;
    }
  }

  private async failure(response: Response, what: string): Promise<ReferrerRegistryError> {
    const text = await response.text().catch(() => "");
    let code: string | undefined;
    try {
      code = (JSON.parse(text) as { errors?: Array<{ code?: string }> }).errors?.[0]?.code;
    } catch {
      code = undefined;
    }
    return new ReferrerRegistryError(
      `${what} on ${this.loginServer}: HTTP ${response.status}${code ? ` ${code}` : ""}`,
      {
        status: response.status,
        ...(code ? { upstreamCode: code } : {}),
      },
    );
  }
}

function checked(bytes: Buffer, digest: string): Buffer {
  if (sha256Digest(bytes) !== digest)
    throw new ReferrerRegistryError(`the registry's content for ${digest} does not match that digest`);
  return bytes;
}
