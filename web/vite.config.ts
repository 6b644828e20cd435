import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// The page is served by the approvalPage function at /api/ui/ (host.json routePrefix "api"), from dist/src/web: inside
// the compiled app, so the deployment package (.funcignore keeps dist/src) carries it. No source maps in the package.
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/api/ui/",
  logLevel: "warn",
  build: {
    outDir: fileURLToPath(new URL("../dist/src/web", import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    // No inline script or style anywhere (the CSP is script-src 'self'): nothing is inlined as a data: URL either.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
