/**
 * What a scanner needs from the registry client: a short-lived token that lets it pull one repository (quarantined
 * images included, which only the gate's identity may read). Defined here, narrowly, so src/scanning does not depend
 * on how src/acr gets tokens. Wiring (src/acr): `(server, repo) => tokens.accessToken(loginServer(server),
 * [repositoryScope(repositoryName(repo), ["pull"])])`.
 */
export interface PullTokenSource {
  pullToken(loginServer: string, repository: string): Promise<string>;
}

/** The image a scan is about. */
export interface ImageToScan {
  /** e.g. myregistry.azurecr.io */
  loginServer: string;
  repository: string;
  digest: string;
  tag?: string;
  /** The manifest's media type, when known (Harbor adapters check it against what they consume). */
  mediaType?: string;
}
