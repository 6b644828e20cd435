/**
 * Takes secrets out of free text before it goes into a log line. Only error messages are free text in the gate's event
 * lines (everything else is an id, a name, a state or a number), but an error message can quote what the other side
 * said: a URL with a SAS signature or a function key, an Authorization header, a token. These rules redact the
 * forms those take; they never touch image references (digests are hex, not tokens).
 *
 * The forms follow the credential patterns the Functions Node.js library itself hides from its own error logs
 * (`credentialTokens` in @azure/functions src/utils/credentialSanitizer.ts: `code=`, `sig=`, `key=`, `AccountKey=`,
 * `SharedAccessKey=`, `Token=`, `Password=`, `pwd=`, user:password@ URLs), plus JWTs (every Entra, ACR refresh and
 * ACR access token is one: RFC 7519, three base64url parts, the first a JSON header, so it starts `eyJ`) and
 * `Bearer`/`Basic` credentials (RFC 6750 §2.1, RFC 7617).
 */

const REDACTED = "[redacted]";

/** A JWT or JWS compact serialisation (header.payload.signature), or a lone base64url JSON header fragment. */
const JWT = /eyJ[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*){0,4}/g;

/**
 * `Bearer <token>` / `Basic <credentials>` as in an Authorization header (RFC 6750 b64token, RFC 7617); not a
 * challenge's `Bearer realm="…"` (RFC 6750 §3), which names no secret.
 */
const AUTH_SCHEME = /\b(Bearer|Basic)\s+(?![A-Za-z_]+=")[A-Za-z0-9._~+/=-]+/gi;

/** Header-style secrets: `x-functions-key: …`, `Authorization: [scheme] …`, `X-IDENTITY-HEADER: …`. */
const SECRET_HEADER =
  /\b(x-functions-key|authorization|x-identity-header|ocp-apim-subscription-key)(["']?\s*[:=]\s*["']?)(?:[A-Za-z]+\s+(?![A-Za-z_]+="))?[^\s"',;&]+/gi;

/**
 * `name=value` pairs whose name says secret, in query strings (`?code=`, `&sig=`), connection strings
 * (`AccountKey=…;`) and form bodies (`refresh_token=…`). The value runs to the next separator.
 */
const SECRET_PARAMETER =
  /\b(code|sig|key|token|access_token|refresh_token|id_token|password|pwd|secret|client_secret|client_assertion|assertion|accountkey|sharedaccesskey|sharedaccesssignature|signature)=([^&;\s"'<>]+)/gi;

/** `scheme://user:password@host`: the credentials part of a URL. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+:[^\s/@]+@/gi;

/**
 * What every rule above needs somewhere in the text (a superset, case-insensitive): `://` (URL credentials), a
 * secret header's name (SECRET_HEADER), `bearer`/`basic` (AUTH_SCHEME), `=` (SECRET_PARAMETER) and `eyJ` (JWT). Text
 * without any of them (most event fields: ids, names, states, image references) comes back as it is after one scan
 * instead of five; every request's event line has half a dozen such fields.
 */
const MAY_HOLD_SECRET =
  /=|:\/\/|eyJ|bearer|basic|x-functions-key|authorization|x-identity-header|ocp-apim-subscription-key/i;

/** Replaces every secret-looking part of `text` with `[redacted]`. */
export function redactSecrets(text: string): string {
  if (!MAY_HOLD_SECRET.test(text)) return text;
  return text
    .replace(URL_CREDENTIALS, `$1${REDACTED}@`)
    .replace(SECRET_HEADER, `$1$2${REDACTED}`)
    .replace(AUTH_SCHEME, `$1 ${REDACTED}`)
    .replace(SECRET_PARAMETER, `$1=${REDACTED}`)
    .replace(JWT, REDACTED);
}

/** At most `max` characters on one line: newlines become spaces, the rest is cut with an ellipsis. */
export function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s*[\r\n]+\s*/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, Math.max(0, max - 1))}…`;
}
