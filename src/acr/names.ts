import { AcrInvalidInputError } from "./errors.js";
import * as grammar from "../oci/grammar.js";

const { MAX_REPOSITORY_LENGTH } = grammar;

declare const brand: unique symbol;
type Branded<T, B extends string> = T & { readonly [brand]: B };

/** A repository name that passed the OCI distribution grammar; only these reach a URL. */
export type RepositoryName = Branded<string, "RepositoryName">;
/** A content digest (sha256 or sha512, lowercase hex) that passed validation. */
export type Digest = Branded<string, "Digest">;
/** A registry login server (host or host:port, lowercase) that passed the grammar; see RegistryAllowlist. */
export type LoginServer = Branded<string, "LoginServer">;
/** A tag (`[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`) that passed the grammar. */
export type Tag = Branded<string, "Tag">;

/** Shows hostile input safely in an error: cut short, control characters escaped. */
function shown(value: unknown): string {
  const text = typeof value === "string" ? value : String(typeof value);
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

export function isRepositoryName(value: unknown): value is RepositoryName {
  return grammar.isRepositoryName(value);
}

export function isDigest(value: unknown): value is Digest {
  return grammar.isDigest(value);
}

export function isTag(value: unknown): value is Tag {
  return grammar.isTag(value);
}

/** Checks a tag: up to 128 letters, digits, `_`, `.` and `-`, not starting with `.` or `-`. */
export function tag(value: unknown): Tag {
  if (!isTag(value))
    throw new AcrInvalidInputError(
      `invalid tag ${shown(value)}: expected up to 128 of A-Z a-z 0-9 _ . - (not first . or -)`,
    );
  return value;
}

/** Checks a repository name against the OCI distribution grammar; `..`, `%2F`, `\`, upper case and the like fail. */
export function repositoryName(value: unknown): RepositoryName {
  if (!isRepositoryName(value)) {
    throw new AcrInvalidInputError(
      `invalid repository name ${shown(value)}: expected lowercase path components such as "team/app" (OCI distribution grammar, at most ${MAX_REPOSITORY_LENGTH} characters)`,
    );
  }
  return value;
}

/** Checks a digest: `sha256:` + 64 or `sha512:` + 128 lowercase hex characters. */
export function digest(value: unknown): Digest {
  if (!isDigest(value))
    throw new AcrInvalidInputError(
      `invalid digest ${shown(value)}: expected sha256:<64 hex> or sha512:<128 hex>, lowercase`,
    );
  return value;
}

/**
 * Checks a login server name (`myregistry.azurecr.io`, `localhost:5443`): DNS labels and an optional port, no scheme,
 * path, user info or query. Case is folded, since host names are case-insensitive and ACR's are lowercase.
 */
export function loginServer(value: unknown): LoginServer {
  const text = typeof value === "string" ? value.trim().toLowerCase() : undefined;
  if (!grammar.isLoginServer(text)) {
    throw new AcrInvalidInputError(
      `invalid login server ${shown(value)}: expected a host name with an optional port, e.g. myregistry.azurecr.io`,
    );
  }
  return text as LoginServer;
}

/** The registries this app may talk to (GATE_REGISTRIES). Anything else is refused before a request is made. */
export class RegistryAllowlist {
  private readonly servers: ReadonlySet<LoginServer>;

  constructor(servers: Iterable<string>) {
    this.servers = new Set([...servers].map((server) => loginServer(server)));
    if (this.servers.size === 0)
      throw new AcrInvalidInputError("the registry allowlist is empty: no registry may be used");
  }

  /** Validates the name and checks it is allowed; returns the normalised login server. */
  check(value: unknown): LoginServer {
    const server = loginServer(value);
    if (!this.servers.has(server))
      throw new AcrInvalidInputError(`registry ${shown(server)} is not in the allowlist (GATE_REGISTRIES)`);
    return server;
  }

  has(value: unknown): boolean {
    try {
      this.check(value);
      return true;
    } catch {
      return false;
    }
  }

  list(): LoginServer[] {
    return [...this.servers];
  }
}
