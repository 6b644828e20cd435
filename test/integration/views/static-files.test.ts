import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { pageSecurityHeaders, readStaticFile, safeRelativePath } from "../../../src/pipeline/views/static-files.js";
import { freshTempDir } from "../../support/paths.js";

describe("the approval page's static files", () => {
  const root = freshTempDir("web");
  mkdirSync(join(root, "assets"));
  writeFileSync(join(root, "index.html"), "<!doctype html>");
  writeFileSync(join(root, "assets", "index-abc.js"), "export {}");
  writeFileSync(join(root, "assets", "index-abc.css"), "body{}");
  writeFileSync(join(root, ".secret.json"), "{}");
  const outside = freshTempDir("outside");
  writeFileSync(join(outside, "host.json"), "{}");
  symlinkSync(join(outside, "host.json"), join(root, "assets", "link.json"));

  it("serves index.html for the bare route and files under the root with their content types", async () => {
    expect((await readStaticFile(root, undefined))?.contentType).toBe("text/html; charset=utf-8");
    expect((await readStaticFile(root, ""))?.body.toString()).toBe("<!doctype html>");
    const js = await readStaticFile(root, "assets/index-abc.js");
    expect(js).toMatchObject({ contentType: "text/javascript; charset=utf-8", immutable: true });
    expect((await readStaticFile(root, "assets/index-abc.css"))?.contentType).toBe("text/css; charset=utf-8");
    expect((await readStaticFile(root, "index.html"))?.immutable).toBe(false);
  });

  it("refuses traversal, absolute paths, encoded or odd segments, dotfiles, unknown types and symlinks out", async () => {
    for (const path of [
      "../host.json",
      "assets/../../host.json",
      "/etc/passwd",
      "..%2fhost.json",
      "assets\\..\\index.html",
      "index.html\0.js",
      ".secret.json",
      "assets//index-abc.js",
      "./index.html",
      "host",
      "package.ts",
    ]) {
      expect(safeRelativePath(path), path).toBeUndefined();
      expect(await readStaticFile(root, path), path).toBeUndefined();
    }
    expect(await readStaticFile(root, "assets/link.json")).toBeUndefined();
    expect(await readStaticFile(root, "missing.js")).toBeUndefined();
    expect(await readStaticFile(root, "assets")).toBeUndefined();
  });

  it("sends a CSP without inline script or eval, framing or plugins", () => {
    const csp = pageSecurityHeaders(["https://login.microsoftonline.com"])["Content-Security-Policy"]!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self' https://login.microsoftonline.com");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  });
});
