import { beforeEach, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freshTempDir, projectRoot } from "../../support/paths.js";

// A unit test of infra/hooks/approver-app.sh only: it runs the script against a fake `az`/`azd` on PATH
// (./fake-graph-cli.py) that records calls and applies the documented Microsoft Graph rules the hook relies on.
// Nothing here talks to Entra ID; whether Graph behaves as documented is not shown by this test.

const HOOKS = join(projectRoot, "infra", "hooks");
const SCRIPT = join(HOOKS, "approver-app.sh");
const FAKE = join(projectRoot, "test", "unit", "auth", "fake-graph-cli.py");
const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";

interface Graph {
  applications: Record<string, Record<string, unknown> & { appId: string; appRoles: Array<Record<string, unknown>> }>;
  servicePrincipals: Record<string, { id: string; appId: string; appRoleAssignmentRequired?: boolean }>;
}

describe("approver app hook: shellcheck", () => {
  it("every hook script passes shellcheck as POSIX sh", () => {
    const scripts = readdirSync(HOOKS)
      .filter((f) => f.endsWith(".sh"))
      .map((f) => join(HOOKS, f));
    expect(scripts).toContain(SCRIPT);
    const result = spawnSync("shellcheck", ["--shell=sh", "--severity=style", ...scripts], { encoding: "utf8" });
    expect(result.error, "shellcheck must be installed (Debian package shellcheck)").toBeUndefined();
    expect(result.stdout + result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  it("shellcheck does flag a script with a real defect (the check is live)", () => {
    const bad = join(freshTempDir("shellcheck"), "bad.sh");
    writeFileSync(bad, "#!/bin/sh\nrm -rf $1/*\n");
    const result = spawnSync("shellcheck", ["--shell=sh", bad], { encoding: "utf8" });
    expect(result.status).not.toBe(0);
    expect(result.stdout).toMatch(/SC2086/);
  });

  it("azure.yaml runs it as the preprovision hook, so its values exist before Bicep reads parameters", () => {
    const yaml = readFileSync(join(projectRoot, "azure.yaml"), "utf8").replace(/^\s*#.*\n/gm, "");
    expect(yaml).toMatch(/^hooks:\n {2}preprovision:\n(?: {4}.+\n)*? {4}run: \.\/infra\/hooks\/approver-app\.sh\n/m);
  });

  it("azure.yaml runs it again after provisioning, when Bicep's FUNCTION_APP_URL output is in the azd environment", () => {
    const yaml = readFileSync(join(projectRoot, "azure.yaml"), "utf8").replace(/^\s*#.*\n/gm, "");
    expect(yaml).toMatch(/^ {2}postprovision:\n(?: {4}.+\n)*? {4}run: \.\/infra\/hooks\/approver-app\.sh\n/m);
    const bicep = readFileSync(join(projectRoot, "infra", "main.bicep"), "utf8");
    expect(bicep).toContain("output FUNCTION_APP_URL string = 'https://${functionApp.outputs.defaultHostName}'");
  });
});

describe("approver app hook: idempotence against a fake az", () => {
  let dir: string;
  const env = (extra: Record<string, string> = {}) => ({
    PATH: `${join(dir, "bin")}:${process.env.PATH ?? ""}`,
    FAKE_STATE: join(dir, "graph.json"),
    FAKE_LOG: join(dir, "calls.jsonl"),
    FAKE_AZD_ENV: join(dir, "azd-env.json"),
    FAKE_TENANT: TENANT,
    AZURE_ENV_NAME: "dev",
    APPROVER_APP_RETRY_DELAY: "0",
    ...extra,
  });
  const run = (extra?: Record<string, string>) => spawnSync("sh", [SCRIPT], { env: env(extra), encoding: "utf8" });
  const calls = (): string[][] =>
    readFileSync(join(dir, "calls.jsonl"), "utf8")
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as string[]);
  const graph = () => JSON.parse(readFileSync(join(dir, "graph.json"), "utf8")) as Graph;
  const azdEnv = () => JSON.parse(readFileSync(join(dir, "azd-env.json"), "utf8")) as Record<string, string>;
  const creates = (log: string[][]) =>
    log.filter(
      (c) => c[1] === "rest" && (c.includes("Prefer=create-if-missing") || c[c.indexOf("--method") + 1] === "post"),
    );

  beforeEach(() => {
    dir = freshTempDir("hook");
    mkdirSync(join(dir, "bin"));
    for (const tool of ["az", "azd"]) {
      writeFileSync(join(dir, "bin", tool), `#!/bin/sh\nexec python3 -S "${FAKE}" ${tool} "$@"\n`);
      chmodSync(join(dir, "bin", tool), 0o755);
    }
    writeFileSync(join(dir, "calls.jsonl"), "");
  });

  it("first run creates the application, its roles, App ID URI and service principal, and hands them to azd", () => {
    const result = run();
    expect(result.status, result.stderr).toBe(0);
    const apps = Object.values(graph().applications);
    expect(apps).toHaveLength(1);
    const app = apps[0]!;
    expect(app.uniqueName).toBe("acr-quarantine-gate-dev");
    expect(app.identifierUris).toEqual([`api://${app.appId}`]);
    expect((app.api as { requestedAccessTokenVersion: unknown }).requestedAccessTokenVersion).toBeNull();
    expect(app.appRoles.map((r) => [r.value, r.allowedMemberTypes, r.isEnabled])).toEqual([
      ["Quarantine.Approver", ["User"], true],
      ["Quarantine.Override", ["User"], true],
      ["Quarantine.Reader", ["User", "Application"], true],
    ]);
    const sp = graph().servicePrincipals[app.appId]!;
    expect(sp.appRoleAssignmentRequired).toBe(true);
    expect(azdEnv()).toEqual({
      APPROVER_TENANT_ID: TENANT,
      APPROVER_CLIENT_ID: app.appId,
      APPROVER_APP_ID_URI: `api://${app.appId}`,
      APPROVER_SERVICE_PRINCIPAL_ID: sp.id,
    });
    expect(creates(calls())).toHaveLength(2); // the application upsert with create-if-missing, the SP POST
  });

  it("a second run finds and updates the same application: no create call, same IDs", () => {
    expect(run().status).toBe(0);
    const before = graph();
    const firstValues = azdEnv();
    writeFileSync(join(dir, "calls.jsonl"), "");
    const again = run();
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/found application acr-quarantine-gate-dev/);
    const log = calls();
    expect(creates(log)).toEqual([]);
    expect(log.some((c) => c[1] === "rest" && c.includes("patch") && c.some((a) => a.includes("applications(")))).toBe(
      true,
    );
    expect(graph()).toEqual(before);
    expect(azdEnv()).toEqual(firstValues);
  });

  it("keeps role IDs the application already has (Graph refuses removing an enabled role)", () => {
    expect(run().status).toBe(0);
    const state = graph();
    const app = Object.values(state.applications)[0]!;
    const approver = app.appRoles.find((r) => r.value === "Quarantine.Approver")!;
    approver.id = "0f0f0f0f-0000-4000-8000-000000000001"; // as if the role had been created by hand
    writeFileSync(join(dir, "graph.json"), JSON.stringify(state));
    const again = run();
    expect(again.status, again.stderr).toBe(0);
    const roles = Object.values(graph().applications)[0]!.appRoles;
    expect(roles.find((r) => r.value === "Quarantine.Approver")!.id).toBe("0f0f0f0f-0000-4000-8000-000000000001");
    expect(roles).toHaveLength(3);
  });

  it("asks for v2.0 tokens when APPROVER_ACCESS_TOKEN_VERSION=2, and refuses other values", () => {
    expect(run({ APPROVER_ACCESS_TOKEN_VERSION: "2" }).status).toBe(0);
    const app = Object.values(graph().applications)[0]!;
    expect((app.api as { requestedAccessTokenVersion: unknown }).requestedAccessTokenVersion).toBe(2);
    const bad = run({ APPROVER_ACCESS_TOKEN_VERSION: "3" });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/APPROVER_ACCESS_TOKEN_VERSION/);
  });

  it("fails closed: not signed in, another tenant, or a Graph error other than 404 stops it before any create", () => {
    const notSignedIn = run({ FAKE_FAIL: "account" });
    expect(notSignedIn.status).not.toBe(0);
    expect(notSignedIn.stderr).toMatch(/az login/);
    const otherTenant = run({ AZURE_TENANT_ID: "8eaef023-2b34-4da1-9baa-8bc8c9d6a490" });
    expect(otherTenant.status).not.toBe(0);
    expect(otherTenant.stderr).toMatch(/signed in to tenant/);
    const forbidden = run({ FAKE_FAIL: "get-app-403" });
    expect(forbidden.status).not.toBe(0);
    expect(forbidden.stderr).toMatch(/Insufficient privileges/);
    expect(creates(calls())).toEqual([]);
    expect(calls().some((c) => c[0] === "azd" && c[2] === "set")).toBe(false);
  });

  it("refuses names that would need escaping in a URL or JSON, and can be skipped explicitly", () => {
    const bad = run({ APPROVER_APP_UNIQUE_NAME: "gate') or (x" });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/APPROVER_APP_UNIQUE_NAME/);
    const quote = run({ APPROVER_APP_DISPLAY_NAME: 'gate "x"' });
    expect(quote.status).not.toBe(0);
    const skipped = run({ APPROVER_APP_SKIP: "true" });
    expect(skipped.status).toBe(0);
    expect(skipped.stderr).toMatch(/approvals stay closed/);
    expect(calls().filter((c) => c[0] === "az")).toEqual([]);
  });

  // The redirect URI MSAL uses in the page (web/src/auth.ts), so that the registration and the page cannot drift apart.
  const pagePath = (() => {
    const auth = readFileSync(join(projectRoot, "web", "src", "auth.ts"), "utf8");
    const path = /const redirectUri = \(\) => `\$\{location\.origin\}(\/[^`]*)`/.exec(auth)?.[1];
    expect(path, "web/src/auth.ts defines redirectUri as <origin><path>").toBeDefined();
    return path!;
  })();
  const HOST = "https://func-gate-abc123.azurewebsites.net";
  const spaUris = () =>
    (Object.values(graph().applications)[0]!.spa as { redirectUris: string[] } | undefined)?.redirectUris;

  it("registers the approval page's redirect URI on the SPA platform when the Function App's URL is known", () => {
    expect(pagePath).toBe("/api/ui/");
    const result = run({ FUNCTION_APP_URL: HOST });
    expect(result.status, result.stderr).toBe(0);
    expect(spaUris()).toEqual([`${HOST}${pagePath}`]);
    expect(result.stderr).toContain(`redirect URI ${HOST}/api/ui/ is registered`);
    // Not as a web (confidential client) redirect URI: MSAL.js redeems the code from the browser.
    expect(Object.values(graph().applications)[0]!.web).toBeUndefined();
  });

  it("first azd up: preprovision has no host and leaves spa alone; postprovision reads FUNCTION_APP_URL from azd and adds it, once", () => {
    const first = run();
    expect(first.status, first.stderr).toBe(0);
    expect(spaUris()).toBeUndefined();
    expect(first.stderr).toMatch(/added by the postprovision run/);
    // azd keeps Bicep's outputs in the environment; run by hand, the hook reads it with azd env get-value.
    writeFileSync(join(dir, "azd-env.json"), JSON.stringify({ ...azdEnv(), FUNCTION_APP_URL: `${HOST}/` }));
    const post = run();
    expect(post.status, post.stderr).toBe(0);
    expect(spaUris()).toEqual([`${HOST}/api/ui/`]);
    const again = run({ FUNCTION_APP_URL: HOST });
    expect(again.status, again.stderr).toBe(0);
    expect(spaUris()).toEqual([`${HOST}/api/ui/`]);
  });

  it("keeps SPA redirect URIs someone else registered (a custom domain) and adds the page's after them", () => {
    expect(run().status).toBe(0);
    const state = graph();
    Object.values(state.applications)[0]!.spa = { redirectUris: ["https://gate.contoso.com/api/ui/?x=*"] };
    writeFileSync(join(dir, "graph.json"), JSON.stringify(state));
    const result = run({ FUNCTION_APP_URL: HOST });
    expect(result.status, result.stderr).toBe(0);
    expect(spaUris()).toEqual(["https://gate.contoso.com/api/ui/?x=*", `${HOST}/api/ui/`]);
  });

  it("refuses a Function App URL that is not https://<host>, before touching Graph", () => {
    for (const bad of [
      "http://func.azurewebsites.net",
      "https://func.azurewebsites.net/other",
      'https://x"y',
      "func.net",
    ]) {
      writeFileSync(join(dir, "calls.jsonl"), "");
      const result = run({ FUNCTION_APP_URL: bad });
      expect(result.status, bad).not.toBe(0);
      expect(result.stderr).toMatch(/FUNCTION_APP_URL must be https:\/\//);
      expect(calls().filter((c) => c[0] === "az")).toEqual([]);
    }
  });

  it("reads AZURE_ENV_NAME with azd env get-value when run outside a hook", () => {
    writeFileSync(join(dir, "azd-env.json"), JSON.stringify({ AZURE_ENV_NAME: "prod" }));
    const result = spawnSync("sh", [SCRIPT], { env: { ...env(), AZURE_ENV_NAME: "" }, encoding: "utf8" });
    expect(result.status, result.stderr).toBe(0);
    expect(Object.keys(graph().applications)).toEqual(["acr-quarantine-gate-prod"]);
  });
});
