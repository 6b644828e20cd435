import type { LocalUser } from "./config.js";

/** HTML-escapes text for an element's content or a quoted attribute (the five characters HTML gives meaning). */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );
}

/**
 * The local "sign-in" page: one button per person of the stack (Entra would ask for a password). A plain form that
 * posts the authorize request's parameters back with the person picked; no script at all (the page's CSP is
 * `default-src 'none'`), so it needs no nonce and runs in any browser.
 */
export function renderUserPicker(
  action: string,
  params: URLSearchParams,
  users: readonly LocalUser[],
  clientId: string,
): string {
  const hidden = [...params]
    .filter(([name]) => name !== "user")
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join("\n      ");
  const buttons = users
    .map((u) => {
      const roles = u.roles.length > 0 ? u.roles.join(", ") : "no role on the gate";
      return `<li><button type="submit" name="user" value="${escapeHtml(u.objectId)}">${escapeHtml(u.displayName)}</button> <span>${escapeHtml(roles)}</span></li>`;
    })
    .join("\n        ");
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>Sign in (local identity)</title>
  </head>
  <body>
    <main>
      <h1>Sign in to the local tenant</h1>
      <p>Local stack only: pick who you are. The application ${escapeHtml(clientId)} receives an access token with Entra ID's claims for that person.</p>
      <form method="post" action="${escapeHtml(action)}">
      ${hidden}
      <ul>
        ${buttons}
      </ul>
      </form>
    </main>
  </body>
</html>
`;
}
