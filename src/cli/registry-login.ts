import { ReferrerRegistryError } from "../attest/errors.js";

/**
 * A pull token for one repository by the registry's Docker token flow (distribution's token authentication, which ACR
 * implements: GET /v2/ answers 401 with `WWW-Authenticate: Bearer realm=…,service=…`; the realm gives a token for
 * `scope=repository:<name>:pull` to Basic credentials; acr-protocol.md §1). With no credentials the realm is asked
 * anonymously (a registry with anonymous pull).
 */
export async function pullToken(
  loginServer: string,
  repository: string,
  credentials: { username: string; password: string } | undefined,
  fetchImpl: typeof fetch = fetch,
): Promise<string> {
  const probe = await fetchImpl(`https://${loginServer}/v2/`);
  await probe.body?.cancel();
  const challenge = probe.headers.get("www-authenticate") ?? "";
  const params = Object.fromEntries(
    [...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!.toLowerCase(), m[2]!] as const),
  );
  if (!/^bearer\s/i.test(challenge) || !params.realm)
    throw new ReferrerRegistryError(`${loginServer} did not answer /v2/ with a Bearer challenge`);
  const realm = new URL(params.realm);
  if (realm.protocol !== "https:") throw new ReferrerRegistryError("refusing a token realm that is not https");
  if (params.service) realm.searchParams.set("service", params.service);
  realm.searchParams.set("scope", `repository:${repository}:pull`);
  const headers: Record<string, string> = credentials
    ? { Authorization: `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}` }
    : {};
  const answer = await fetchImpl(realm, { headers });
  if (answer.status !== 200) throw new ReferrerRegistryError(`the token realm answered HTTP ${answer.status}`);
  const body = (await answer.json()) as { access_token?: string; token?: string };
  const token = body.access_token ?? body.token;
  if (!token) throw new ReferrerRegistryError("the token realm answered without a token");
  return token;
}
