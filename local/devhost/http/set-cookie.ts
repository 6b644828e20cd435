import type { RpcHttpCookie } from "../app/core-types.js";

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const COOKIE_VALUE = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/;
const ATTRIBUTE_VALUE = /^[\x20-\x3A\x3C-\x7E]*$/;

/**
 * Serialises one cookie of a function's response (as `@azure/functions` sends it over RPC) into a Set-Cookie header
 * value following RFC 6265. The library percent-encodes nothing itself, so values are encoded here like the `cookie`
 * package does for the host's streaming path.
 */
export function serializeSetCookie(cookie: RpcHttpCookie): string {
  const name = cookie.name ?? "";
  if (!TOKEN.test(name)) throw new Error(`Cookie name "${name}" is not a valid token.`);
  const value = encodeURIComponent(cookie.value ?? "");
  if (!COOKIE_VALUE.test(value)) throw new Error(`Cookie "${name}" has an invalid value.`);
  const parts = [`${name}=${value}`];
  const maxAge = cookie.maxAge?.value;
  if (typeof maxAge === "number") {
    if (!Number.isFinite(maxAge)) throw new Error(`Cookie "${name}" has an invalid maxAge.`);
    parts.push(`Max-Age=${Math.floor(maxAge)}`);
  }
  const domain = cookie.domain?.value;
  if (domain) parts.push(`Domain=${checkAttribute(domain, "domain", name)}`);
  const path = cookie.path?.value;
  if (path) parts.push(`Path=${checkAttribute(path, "path", name)}`);
  const expires = cookie.expires?.value;
  if (expires && (expires.seconds !== undefined || expires.nanos !== undefined)) {
    const millis = Number(expires.seconds ?? 0) * 1000 + Math.floor(Number(expires.nanos ?? 0) / 1e6);
    parts.push(`Expires=${new Date(millis).toUTCString()}`);
  }
  if (cookie.httpOnly?.value) parts.push("HttpOnly");
  if (cookie.secure?.value) parts.push("Secure");
  switch (cookie.sameSite) {
    case "lax":
      parts.push("SameSite=Lax");
      break;
    case "strict":
      parts.push("SameSite=Strict");
      break;
    case "explicitNone":
      parts.push("SameSite=None");
      break;
    default:
      break;
  }
  return parts.join("; ");
}

function checkAttribute(value: string, attribute: string, cookieName: string): string {
  if (!ATTRIBUTE_VALUE.test(value)) throw new Error(`Cookie "${cookieName}" has an invalid ${attribute}.`);
  return value;
}
