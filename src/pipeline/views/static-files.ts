import { readFile, realpath, stat } from "node:fs/promises";
import { extname, resolve, sep } from "node:path";

/**
 * The approval page's built files (Vite's output under dist/src/web), served by the approvalPage function. Only files
 * under the root, by an allow-listed extension, with their content type; anything else — `..`, encoded traversal,
 * absolute paths, backslashes, NUL, dotfiles, a symlink out of the root — is not found.
 */

/** Content types of the files Vite emits (IANA media types; `charset=utf-8` for text). */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8", // RFC 9239: text/javascript is the JavaScript media type
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
};

export interface StaticFile {
  body: Buffer;
  contentType: string;
  /** Hashed asset names (Vite's `assets/name-<hash>.js`) never change: cache them; everything else is revalidated. */
  immutable: boolean;
}

/** The relative path a request names, or undefined when it could leave the root or names a file we never serve. */
export function safeRelativePath(requested: string | undefined): string | undefined {
  const path = requested === undefined || requested === "" ? "index.html" : requested;
  if (path.length > 200 || /[\\\0]/.test(path) || path.startsWith("/")) return undefined;
  const segments = path.split("/");
  if (segments.some((s) => s === "" || s === "." || s === ".." || s.startsWith(".") || s.includes("%")))
    return undefined;
  if (!(extname(path).toLowerCase() in CONTENT_TYPES)) return undefined;
  return segments.join("/");
}

export async function readStaticFile(root: string, requested: string | undefined): Promise<StaticFile | undefined> {
  const relative = safeRelativePath(requested);
  if (relative === undefined) return undefined;
  const base = resolve(root);
  const full = resolve(base, relative);
  if (!full.startsWith(base + sep)) return undefined;
  try {
    // Through symlinks too: the real file must still be under the real root.
    const [realBase, realFull] = await Promise.all([realpath(base), realpath(full)]);
    if (!realFull.startsWith(realBase + sep) || !(await stat(realFull)).isFile()) return undefined;
    return {
      body: await readFile(realFull),
      contentType: CONTENT_TYPES[extname(relative).toLowerCase()]!,
      immutable: relative.startsWith("assets/"),
    };
  } catch (error) {
    if (["ENOENT", "ENOTDIR", "EISDIR"].includes((error as NodeJS.ErrnoException).code ?? "")) return undefined;
    throw error;
  }
}

/**
 * The page's Content-Security-Policy: scripts and styles from the app's own origin only (no inline script, no eval),
 * fetches to the app and the sign-in authority, no frames, no plugins, forms only to the app
 * (https://www.w3.org/TR/CSP3/ directives; MDN "Content-Security-Policy").
 */
export function pageSecurityHeaders(connectOrigins: readonly string[]): Record<string, string> {
  const connect = ["'self'", ...new Set(connectOrigins)].join(" ");
  return {
    "Content-Security-Policy": [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      `connect-src ${connect}`,
      "form-action 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "object-src 'none'",
    ].join("; "),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
  };
}
