import { AcrInvalidInputError } from "./errors.js";

declare const brand: unique symbol;
type Branded<T, B extends string> = T & { readonly [brand]: B };

/** A repository name that passed the OCI distribution grammar; only these reach a URL. */
export type RepositoryName = Branded<string, "RepositoryName">;
/** A content digest (sha256 or sha512, lowercase hex) that passed validation. */
export type Digest = Branded<string, "Digest">;
/** A registry login server (host or host:port, lowercase) that passed the grammar; see RegistryAllowlist. */
export type LoginServer = Branded<string, "LoginServer">;

// OCI distribution spec: path-component = [a-z0-9]+ (separator [a-z0-9]+)*, separator = [._] | __ | -+ ; joined by "/".
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const REPOSITORY = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const MAX_REPOSITORY_LENGTH = 255;
const DIGEST = /^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;
const LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
const HOST_AND_PORT = new RegExp(`^(${LABEL}(?:\\.${LABEL})*)(?::(\\d{1,5}))?$`);

/** Shows hostile input safely in an error: cut short, control characters escaped. */
function shown(value: unknown): string {
  const text = typeof value === "string" ? value : String(typeof value);
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

export function isRepositoryName(value: unknown): value is RepositoryName {
  return typeof value === "string" && value.length <= MAX_REPOSITORY_LENGTH && REPOSITORY.test(value);
}

export function isDigest(value: unknown): value is Digest {
  return typeof value === "string" && DIGEST.test(value);
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
  const match = text !== undefined && text.length <= 260 ? HOST_AND_PORT.exec(text) : null;
  const port = match?.[2] === undefined ? undefined : Number(match[2]);
  if (!match || match[1]!.length > 253 || (port !== undefined && (port < 1 || port > 65535))) {
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
