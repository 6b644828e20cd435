/**
 * The `rel="next"` target of a Link header (`</acr/v1/_catalog?last=x&n=100>; rel="next"`, acr-protocol.md §2.6),
 * or undefined when there is no next page.
 */
export function nextLink(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const match of header.matchAll(/<([^>]*)>\s*((?:;\s*[^;,]*)*)/g)) {
    const params = match[2] ?? "";
    if (/;\s*rel\s*=\s*"?([^";,]*\s)?next(\s[^";,]*)?"?\s*(;|$)/i.test(params)) return match[1];
  }
  return undefined;
}

/**
 * Resolves a next link against the registry and accepts it only if it stays on the same origin and path: a link is
 * followed with the same bearer token, so it must not lead anywhere else. Returns undefined for anything else.
 */
export function safeNextUrl(link: string, current: URL): URL | undefined {
  let next: URL;
  try {
    next = new URL(link, current);
  } catch {
    return undefined;
  }
  if (next.origin !== current.origin || next.pathname !== current.pathname || next.username || next.password)
    return undefined;
  return next;
}
