import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { STACK_POLICY } from "../../local/stack/advisories.js";
import { APPROVER_API } from "../../local/stack/defaults.js";
import { PEOPLE, startTestStack, type TestStack } from "../support/local-stack.js";
import { pushTestImage } from "../support/push-image.js";
import { freshTempDir, projectRoot } from "../support/paths.js";
import { inspectRaw } from "../support/skopeo.js";
import {
  launchChromium,
  newContext,
  openView,
  screenshot,
  screenshotDir,
  seriousViolations,
  signInAs,
} from "./browser.js";

/** A report whose strings are HTML and a javascript: URL: gomod.json (Unknown severities: needs approval), altered. */
function hostileReports(): string {
  const dir = freshTempDir("hostile-reports");
  const report = JSON.parse(readFileSync(join(projectRoot, "test", "fixtures", "trivy", "gomod.json"), "utf8")) as {
    Results: Array<{ Vulnerabilities?: Array<Record<string, unknown>> }>;
  };
  const first = report.Results.find((r) => r.Vulnerabilities?.length)!.Vulnerabilities![0]!;
  first.VulnerabilityID = '<img src=x onerror="window.__pwned=1">';
  first.PkgName = "<script>window.__pwned=2</script>javascript:alert(1)";
  first.Title = '<a href="javascript:window.__pwned=3">click</a>';
  writeFileSync(join(dir, "team__risky-hostile.json"), JSON.stringify(report));
  return dir;
}

/** The vulnerabilities a recorded Trivy report lists, read straight from the file (not through the gate's code). */
function reportFindings(file: string): Array<{ id: string; package: string; installed: string; fixed?: string }> {
  const report = JSON.parse(readFileSync(file, "utf8")) as {
    Results: Array<{ Vulnerabilities?: Array<Record<string, string>> | null }>;
  };
  return report.Results.flatMap((r) => r.Vulnerabilities ?? []).map((v) => ({
    id: String(v.VulnerabilityID),
    package: String(v.PkgName),
    installed: String(v.InstalledVersion),
    ...(v.FixedVersion ? { fixed: v.FixedVersion } : {}),
  }));
}

const APPROVAL_SECONDS = 45;
/** Repositories whose rule asks for two distinct approvers (N-of-M), on top of the stack's own policy. */
const TWO_APPROVERS = "team/risky-two-*";
/** A break-glass release lasts at most this long here: not the policy default (24), so the page must read it. */
const BREAK_GLASS_HOURS = 12;

describe("the approval page in a real browser (chromium + MSAL against the local stack)", () => {
  let stack: TestStack;
  let browser: Browser;
  let app: string;
  const previousReports = process.env.TRIVY_STANDIN_REPORTS;

  beforeAll(async () => {
    // The local scan worker inherits the environment: one repository gets the hostile report, others the built-ins.
    process.env.TRIVY_STANDIN_REPORTS = hostileReports();
    const policy = {
      ...STACK_POLICY,
      repositories: [{ match: [TWO_APPROVERS], rule: { approvals: 2 } }],
      remediation: { breakGlassExpiryHours: BREAK_GLASS_HOURS },
    };
    stack = await startTestStack({
      settings: { APPROVAL_DEADLINE: `PT${APPROVAL_SECONDS}S`, POLICY_DOCUMENT: JSON.stringify(policy) },
    });
    app = stack.devhost.url;
    browser = await launchChromium();
  }, 180_000);
  afterAll(async () => {
    // UPDATE_DOCS_SCREENSHOTS=1 refreshes the pictures the README shows (docs/images) from this run's.
    if (process.env.UPDATE_DOCS_SCREENSHOTS === "1") {
      mkdirSync(join(projectRoot, "docs", "images"), { recursive: true });
      for (const name of ["pending", "image"])
        if (existsSync(join(screenshotDir, `${name}.png`)))
          copyFileSync(
            join(screenshotDir, `${name}.png`),
            join(projectRoot, "docs", "images", `approval-page-${name}.png`),
          );
    }
    console.log(`approval page screenshots: ${screenshotDir}`);
    await browser?.close();
    await stack?.stop();
    if (previousReports === undefined) delete process.env.TRIVY_STANDIN_REPORTS;
    else process.env.TRIVY_STANDIN_REPORTS = previousReports;
  });

  const pushImage = (repository: string): Promise<string> => pushTestImage(stack, repository);

  /** The image view API as the page reads it (a reader's token): the findings rows the scan step stored. */
  async function viewedFindings(reference: string): Promise<Array<Record<string, unknown>> | null> {
    const answer = await fetch(`${app}/api/views/image?image=${encodeURIComponent(reference)}`, {
      headers: { Authorization: `Bearer ${await stack.personToken("reader")}` },
    });
    expect(answer.status).toBe(200);
    return ((await answer.json()) as { findings: Array<Record<string, unknown>> | null }).findings;
  }

  const awaiting = (body: Record<string, unknown>) => body.stage === "awaiting-approval";
  const finished = (body: Record<string, unknown>) =>
    ["Completed", "Failed", "Terminated"].includes(String(body.runtimeStatus));
  const outcomeOf = (body: Record<string, unknown>) => (body.outcome as { result?: string } | undefined)?.result;

  /** The page's POST to the approvals API (a decision or a break-glass release). */
  const isDecision = (r: { method(): string; url(): string }) =>
    r.method() === "POST" && new URL(r.url()).pathname.startsWith("/api/approvals/");
  /** How the page writes a time (web/src/time.ts `when`), spelled out here: "2025-03-01 14:00:00 UTC". */
  const utc = (iso: string) =>
    new Date(iso)
      .toISOString()
      .replace("T", " ")
      .replace(/\.\d+Z$/, " UTC");

  async function signedIn(person: string): Promise<Page> {
    const page = await (await newContext(browser)).newPage();
    page.on("dialog", (dialog) => void dialog.dismiss());
    await signInAs(page, app, person);
    return page;
  }

  it("serves the page from the function app: content types, strict CSP, traversal refused, reads need a gate role", async () => {
    const index = await fetch(`${app}/api/ui/`);
    expect(index.status).toBe(200);
    expect(index.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const html = await index.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/); // no inline script at all
    const script = /src="(\/api\/ui\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const js = await fetch(`${app}${script}`);
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(js.headers.get("cache-control")).toContain("immutable");
    const config = (await (await fetch(`${app}/api/ui/config.json`)).json()) as { signIn: Record<string, unknown> };
    expect(config.signIn).toMatchObject({ protocolMode: "OIDC", clientId: APPROVER_API.clientId });
    for (const path of [
      "/api/ui/..%2f..%2fhost.json",
      "/api/ui/%2e%2e/%2e%2e/host.json",
      "/api/ui/assets/..%2f..%2ffunctions%2fapprovals.js",
      "/api/ui/.%2e/functions/approvals.js",
      "/api/ui/assets/%5c..%5c..%5cfunctions%5capprovals.js",
    ]) {
      const answer = await fetch(`${app}${path}`);
      expect(answer.status, path).toBe(404);
    }
    // The read views take the same bearer token as the approvals API: none → 401, a role-less person → 403.
    expect((await fetch(`${app}/api/views/pending`)).status).toBe(401);
    const viewer = await stack.personToken("viewer");
    expect((await fetch(`${app}/api/views/pending`, { headers: { Authorization: `Bearer ${viewer}` } })).status).toBe(
      403,
    );
    const reader = { Authorization: `Bearer ${await stack.personToken("reader")}` };
    expect((await fetch(`${app}/api/views/pending`, { headers: reader })).status).toBe(200);
    expect((await fetch(`${app}/api/views/image?image=nonsense`, { headers: reader })).status).toBe(400);
    expect((await fetch(`${app}/api/views/decisions?outcome=Maybe`, { headers: reader })).status).toBe(400);
    expect((await fetch(`${app}/api/views/other`, { headers: reader })).status).toBe(404);
  });

  it("an approver signs in, sees a risky image, opens its findings and approves it: pullable, audited", async () => {
    const reference = await pushImage("team/risky-app");
    await stack.waitForStatus(reference, awaiting);
    // The findings the pipeline stored when it judged the stand-in Trivy's report (gomod.json for `*risky*`), each
    // with what the stack's policy made of it.
    const expected = reportFindings(join(projectRoot, "test", "fixtures", "trivy", "gomod.json"));
    expect(expected.length).toBeGreaterThan(1);
    const rows = await viewedFindings(reference);
    expect(rows).toHaveLength(expected.length);
    expect(new Set(rows!.map((r) => r.id))).toEqual(new Set(expected.map((f) => f.id)));
    expect(rows).toContainEqual(
      expect.objectContaining({
        id: "CVE-2021-38561",
        package: "golang.org/x/text",
        installed: "v0.3.6",
        fixed: "0.3.7",
        severity: "Unknown",
        disposition: "needs-approval",
      }),
    );
    expect(rows).toContainEqual(
      expect.objectContaining({ id: "CVE-2022-23628", severity: "Medium", disposition: "counted" }),
    );
    const stored = expected.length;
    const page = await signedIn(PEOPLE.approver.displayName);
    await expect.poll(() => page.locator("#signed-in-as").textContent()).toContain("Ada Approver");
    const row = page.locator("tr", { hasText: "team/risky-app" });
    await row.waitFor();
    expect(await row.textContent()).toContain("needs approval");
    expect(await row.textContent()).toMatch(/0 of 1/);
    await screenshot(page, "pending");
    expect(await seriousViolations(page)).toEqual([]);

    await row.getByRole("link", { name: "team/risky-app" }).click();
    await page.locator('body[data-ready="image"]').waitFor();
    expect(await page.locator("#h-reasons + ul").textContent()).toMatch(/needs approval/);
    const findings = page.locator("section[aria-labelledby=h-findings] tbody tr");
    expect(await findings.count()).toBe(stored);
    // Most severe first: the Medium (below thresholds) before the Unknowns that need approval, each with its why.
    expect(await findings.first().textContent()).toMatch(/Medium.*below thresholds/);
    expect(await findings.filter({ hasText: "GMS-2022-20" }).first().textContent()).toMatch(
      /Unknown.*needs approval.*unknownSeverity/,
    );
    await page.locator("#decide").waitFor();
    await screenshot(page, "image");
    expect(await seriousViolations(page)).toEqual([]);

    // A reason is required: nothing is sent without one.
    await page.getByRole("button", { name: "Approve" }).click();
    await expect.poll(() => page.locator("#decide [role=alert]").textContent()).toContain("Give a reason");
    await page.fill("#d-reason", "reviewed the unknown-severity findings");
    await page.fill("#d-ticket", "https://tickets.example/SEC-42");
    await page.getByRole("button", { name: "Approve" }).click();
    await expect.poll(() => page.locator("#decide [role=status]").last().textContent()).toContain("Approved");

    const done = await stack.waitForStatus(reference, finished);
    expect(outcomeOf(done)).toBe("Passed");
    const released = (done.timeline as Array<{ action: string; actor: string; reason: string }>).find(
      (r) => r.action === "released",
    );
    expect(released?.actor).toContain(PEOPLE.approver.displayName);
    expect(released?.reason).toContain("ticket: https://tickets.example/SEC-42");
    const pulled = await inspectRaw(`${stack.acr.loginServer}/team/risky-app:v1`, {
      certDir: stack.acr.certDir,
      creds: await stack.pullCreds(),
    });
    expect(pulled.code, pulled.stderr).toBe(0);

    // The page shows it decided, with the timeline and the quarantineDetails written.
    await expect
      .poll(async () => (await page.reload(), page.locator("#outcome").textContent()), { timeout: 15_000 })
      .toContain("Passed");
    expect(await page.locator("section[aria-labelledby=h-timeline]").textContent()).toContain("released");
    expect(await page.locator("pre.json").textContent()).toContain("released: ");
    await screenshot(page, "image-released");
    await page.context().close();
  }, 120_000);

  it("an approver rejects with a reason: Failed, and the page says so", async () => {
    const reference = await pushImage("team/risky-reject");
    await stack.waitForStatus(reference, awaiting);
    const page = await signedIn(PEOPLE.approver.displayName);
    await openView(page, app, `view=image&image=${encodeURIComponent(reference)}`);
    await page.fill("#d-reason", "not without a fix for CVE-2021-38561");
    await page.getByRole("button", { name: "Reject" }).click();
    await expect.poll(() => page.locator("#decide [role=status]").last().textContent()).toContain("Rejected");
    const done = await stack.waitForStatus(reference, finished);
    expect(outcomeOf(done)).toBe("Failed");
    await expect
      .poll(async () => (await page.reload(), page.locator("#outcome").textContent()), { timeout: 15_000 })
      .toMatch(/^Failed by Ada Approver \(0a000000-[-0-9a-f]+\): not without a fix/);
    await page.context().close();
  }, 120_000);

  it("a reader sees everything and no decide controls; the API refuses the reader's crafted decision (403)", async () => {
    const reference = await pushImage("team/risky-read");
    await stack.waitForStatus(reference, awaiting);
    const page = await signedIn(PEOPLE.reader.displayName);
    await page.locator("tr", { hasText: "team/risky-read" }).waitFor();
    await openView(page, app, `view=image&image=${encodeURIComponent(reference)}`);
    expect(await page.locator("#h-reasons + ul").textContent()).toMatch(/needs approval/);
    expect(await page.locator("#decide").count()).toBe(0);
    expect(await page.getByRole("button", { name: "Approve" }).count()).toBe(0);
    expect(await page.textContent("main")).toContain("deciding needs the Quarantine.Approver role");
    // The same call the page would make, from the reader's own session in the browser.
    const instanceId = (await stack.status(reference)).body.instanceId as string;
    const token = await stack.personToken("reader");
    const status = await page.evaluate(
      async ({ id, bearer }) =>
        (
          await fetch(`/api/approvals/${id}`, {
            method: "POST",
            headers: { "Content-Type": "application/json", Authorization: `Bearer ${bearer}` },
            body: JSON.stringify({ approve: true, reason: "a reader trying" }),
          })
        ).status,
      { id: instanceId, bearer: token },
    );
    expect(status).toBe(403);
    expect((await stack.status(reference)).body.stage).toBe("awaiting-approval");
    await page.context().close();
  }, 120_000);

  it("break-glass: shown only to Quarantine.Override; without the role the API refuses, with it the image is released", async () => {
    const reference = await pushImage("team/vulnerable-app");
    const failed = await stack.waitForStatus(reference, finished);
    expect(outcomeOf(failed)).toBe("Failed");
    const instanceId = failed.instanceId as string;

    const ada = await signedIn(PEOPLE.approver.displayName);
    await openView(ada, app, `view=image&image=${encodeURIComponent(reference)}`);
    expect(await ada.locator("#break-glass").count()).toBe(0);
    const refused = await fetch(`${app}/api/approvals/${instanceId}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${await stack.personToken("approver")}` },
      body: JSON.stringify({ approve: true, reason: "ship it", justification: "customer outage, fix next sprint" }),
    });
    expect(refused.status).toBe(403);
    await ada.context().close();

    const bo = await signedIn(PEOPLE.breakGlass.displayName);
    await openView(bo, app, `view=image&image=${encodeURIComponent(reference)}`);
    await bo.locator("#break-glass").waitFor();
    await screenshot(bo, "break-glass");
    expect(await seriousViolations(bo)).toEqual([]);
    await bo.fill("#o-reason", "production outage");
    await bo.fill("#o-justification", "short");
    await bo.getByRole("button", { name: "Release by override" }).click();
    await expect.poll(() => bo.locator("#break-glass [role=alert]").textContent()).toContain("at least 10");
    await bo.fill("#o-justification", "INC-7: outage, the Critical is not reachable in this service");
    // Left at the policy's default: the request carries no expiresIn, and the override lasts the policy's longest.
    const sent = bo.waitForRequest(isDecision);
    await bo.getByRole("button", { name: "Release by override" }).click();
    await expect.poll(() => bo.locator("#break-glass [role=status]").last().textContent()).toContain("Break-glass");
    const body = JSON.parse((await sent).postData() ?? "{}") as Record<string, unknown>;
    expect(body).toMatchObject({ approve: true, reason: "production outage" });
    expect(body).not.toHaveProperty("expiresIn");
    const released = await stack.waitForStatus(reference, (b) => b.releasedBy === "override");
    expect(outcomeOf(released)).toBe("Passed");
    const override = released.override as { at: string; expiresAt: string };
    // The override record is written just after the decision whose time the expiry counts from.
    const lasts = Date.parse(override.expiresAt) - Date.parse(override.at);
    expect(Math.abs(lasts - BREAK_GLASS_HOURS * 3_600_000)).toBeLessThan(60_000);
    const pulled = await inspectRaw(`${stack.acr.loginServer}/team/vulnerable-app:v1`, {
      certDir: stack.acr.certDir,
      creds: await stack.pullCreds(),
    });
    expect(pulled.code, pulled.stderr).toBe(0);
    await bo.context().close();
  }, 120_000);

  it("break-glass with a shorter expiry: the form offers the policy's choices, sends expiresIn, shows the expiresAt answered; a refused expiry is an error", async () => {
    const reference = await pushImage("team/vulnerable-expiry");
    const failed = await stack.waitForStatus(reference, finished);
    expect(outcomeOf(failed)).toBe("Failed");
    const bo = await signedIn(PEOPLE.breakGlass.displayName);
    await openView(bo, app, `view=image&image=${encodeURIComponent(reference)}`);
    await bo.locator("#break-glass").waitFor();

    // The choices follow the policy's longest (the image view's breakGlass): it is the default, none is longer.
    expect(await bo.locator("label[for=o-expires]").textContent()).toBe(
      `Expires after (default ${BREAK_GLASS_HOURS} h, at most ${BREAK_GLASS_HOURS} h)`,
    );
    const options = await bo.locator("#o-expires option").all();
    expect(await Promise.all(options.map((o) => o.getAttribute("value")))).toEqual(["", "PT8H", "PT4H", "PT1H"]);
    expect(await bo.locator("#o-expires").inputValue()).toBe("");
    expect(await seriousViolations(bo)).toEqual([]);

    await bo.fill("#o-reason", "production outage");
    await bo.fill("#o-justification", "INC-9: hotfix ships for a few hours, the Critical is not reachable");
    await bo.selectOption("#o-expires", "PT4H");

    // The API's 400 is an error notice with its reason and the policy's longest, never a success. The page offers
    // nothing the API refuses, so the request is made longer on its way (as if the policy had shrunk meanwhile).
    await bo.route(
      (url) => url.pathname.startsWith("/api/approvals/"),
      async (route) => {
        const sent = JSON.parse(route.request().postData() ?? "{}") as Record<string, unknown>;
        await route.continue({ postData: JSON.stringify({ ...sent, expiresIn: `PT${BREAK_GLASS_HOURS + 1}H` }) });
      },
    );
    await bo.getByRole("button", { name: "Release by override" }).click();
    const alert = bo.locator("#break-glass [role=alert]");
    await expect.poll(() => alert.textContent()).toContain("Refused (400 ERR_BREAK_GLASS_EXPIRY_TOO_LONG)");
    expect(await alert.textContent()).toContain(
      `The policy allows at most ${BREAK_GLASS_HOURS} h (PT${BREAK_GLASS_HOURS}H).`,
    );
    expect(await bo.locator("main .notice-ok").count()).toBe(0);
    await screenshot(bo, "break-glass-expiry-refused");
    await bo.unrouteAll();
    expect((await stack.status(reference)).body.releasedBy).toBeUndefined();

    // As chosen: expiresIn PT4H is sent, and the notice shows the expiresAt the 202 answered.
    const sent = bo.waitForRequest(isDecision);
    const answered = bo.waitForResponse((r) => isDecision(r.request()));
    const clicked = Date.now();
    await bo.getByRole("button", { name: "Release by override" }).click();
    expect(JSON.parse((await sent).postData() ?? "{}")).toMatchObject({ approve: true, expiresIn: "PT4H" });
    const answer = await answered;
    expect(answer.status()).toBe(202);
    const { expiresAt } = (await answer.json()) as { expiresAt: string };
    expect(Math.abs(Date.parse(expiresAt) - (clicked + 4 * 3_600_000))).toBeLessThan(60_000);
    await expect
      .poll(() => bo.locator("main .notice-ok").first().textContent())
      .toMatch(new RegExp(`^Break-glass release started; the override expires ${utc(expiresAt)} \\(in 3 h `));
    expect(await alert.count()).toBe(0);

    // Released by override until then: the image status and the page's Override row say so.
    const released = await stack.waitForStatus(reference, (b) => b.releasedBy === "override");
    expect(released.override).toMatchObject({ expiresAt });
    await expect
      .poll(async () => (await bo.reload(), bo.locator("#override").textContent()), { timeout: 15_000 })
      .toContain(`; expires ${utc(expiresAt)} (in 3 h `);
    expect(await bo.locator("#override").textContent()).toMatch(new RegExp(`^by ${PEOPLE.breakGlass.displayName} \\(`));
    expect(await bo.locator("#break-glass").count()).toBe(0);
    await screenshot(bo, "break-glass-expiry");
    expect(await seriousViolations(bo)).toEqual([]);
    await bo.context().close();
  }, 120_000);

  it("a hostile report's HTML and javascript: URLs show as text and run nothing", async () => {
    const reference = await pushImage("team/risky-hostile");
    await stack.waitForStatus(reference, awaiting);
    // The rows are the pipeline's own, stored from the hostile report as the stand-in Trivy sent it.
    expect((await viewedFindings(reference))?.map((r) => r.package)).toContain(
      "<script>window.__pwned=2</script>javascript:alert(1)",
    );
    const page = await signedIn(PEOPLE.approver.displayName);
    const violations: string[] = [];
    page.on("console", (m) => void (m.type() === "error" && violations.push(m.text())));
    await page.locator("tr", { hasText: "team/risky-hostile" }).waitFor();
    for (const view of ["pending", `image&image=${encodeURIComponent(reference)}`]) {
      await openView(page, app, `view=${view}`);
      const text = (await page.textContent("main")) ?? "";
      expect(text).toContain("<script>window.__pwned=2</script>javascript:alert(1)");
      expect(text).toContain('<img src=x onerror="window.__pwned=1">');
      if (view !== "pending")
        expect(await page.locator("section[aria-labelledby=h-findings] td", { hasText: "<script>" }).count()).toBe(1);
      expect(await page.locator("main script, main img, main a[href^='javascript']").count()).toBe(0);
      expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    }
    // The page itself runs under a strict CSP: nothing inline would run even if it got in.
    const response = await fetch(`${app}/api/ui/`);
    expect(response.headers.get("content-security-policy")).toMatch(/script-src 'self'(;|$)/);
    expect(response.headers.get("content-security-policy")).not.toMatch(/unsafe-inline|unsafe-eval/);
    await page.context().close();
  }, 120_000);

  it("2 of N in the page: one approval waits at 1 of 2, the same person again changes nothing, a second person releases it", async () => {
    const repository = "team/risky-two-page";
    const reference = await pushImage(repository);
    const waiting = await stack.waitForStatus(reference, awaiting);
    expect(waiting.verdict).toMatchObject({ decision: "needsApproval", requiredApprovals: 2 });
    const cell = (page: Page, term: string) =>
      page.locator("main dl dt", { hasText: new RegExp(`^${term}$`) }).locator("xpath=following-sibling::dd[1]");
    const approvalsCell = (page: Page) => cell(page, "Approvals");
    const approveWith = async (page: Page, reason: string) => {
      await page.fill("#d-reason", reason);
      await page.getByRole("button", { name: "Approve" }).click();
    };
    const pull = async () =>
      inspectRaw(`${stack.acr.loginServer}/${repository}:v1`, {
        certDir: stack.acr.certDir,
        creds: await stack.pullCreds(),
      });

    // Ada approves: counted, 1 of 2, and the image keeps waiting (not pullable).
    const ada = await signedIn(PEOPLE.approver.displayName);
    await openView(ada, app, `view=image&image=${encodeURIComponent(reference)}`);
    expect(await approvalsCell(ada).textContent()).toBe("0 of 2");
    await approveWith(ada, "the unknown-severity findings are in test code");
    await expect
      .poll(() => ada.locator("#decide [role=status]").last().textContent())
      .toContain("Approval recorded: 1 of 2");
    await stack.waitForStatus(reference, (b) => (b.approvals as { given?: number } | undefined)?.given === 1);
    await expect
      .poll(async () => (await ada.reload(), approvalsCell(ada).textContent()), { timeout: 15_000 })
      .toBe(`1 of 2: ${PEOPLE.approver.displayName}`);
    expect(await cell(ada, "Stage").textContent()).toBe("awaiting-approval");
    await screenshot(ada, "two-of-n-waiting");
    expect(await seriousViolations(ada)).toEqual([]);

    // Ada again: not counted (409, said in the page), still 1 of 2, still waiting.
    await ada.locator('body[data-ready="image"]').waitFor();
    await approveWith(ada, "approving once more");
    await expect
      .poll(() => ada.locator("#decide [role=alert]").last().textContent())
      .toContain("Not counted (approver-already-decided)");
    await stack.waitForStatus(reference, (b) =>
      (b.timeline as Array<{ action: string }>).some((r) => r.action === "not-counted"),
    );
    const afterRepeat = (await stack.status(reference)).body;
    expect(afterRepeat).toMatchObject({ runtimeStatus: "Running", stage: "awaiting-approval" });
    expect((afterRepeat.approvals as { given: number }).given).toBe(1);
    await ada.reload();
    await ada.locator('body[data-ready="image"]').waitFor();
    expect(await approvalsCell(ada).textContent()).toBe(`1 of 2: ${PEOPLE.approver.displayName}`);
    expect((await pull()).code).not.toBe(0);
    await ada.context().close();

    // Bo, a second approver: the round is complete and the image is released (pullable with skopeo).
    const bo = await signedIn(PEOPLE.breakGlass.displayName);
    await openView(bo, app, `view=image&image=${encodeURIComponent(reference)}`);
    expect(await approvalsCell(bo).textContent()).toBe(`1 of 2: ${PEOPLE.approver.displayName}`);
    await approveWith(bo, "second pair of eyes agrees");
    await expect.poll(() => bo.locator("#decide [role=status]").last().textContent()).toMatch(/Approv/);
    const done = await stack.waitForStatus(reference, finished);
    expect(outcomeOf(done)).toBe("Passed");
    const pulled = await pull();
    expect(pulled.code, pulled.stderr).toBe(0);
    await expect
      .poll(async () => (await bo.reload(), bo.locator("#outcome").textContent()), { timeout: 15_000 })
      .toContain("Passed");
    expect(await approvalsCell(bo).textContent()).toBe(
      `2 of 2: ${PEOPLE.approver.displayName}, ${PEOPLE.breakGlass.displayName}`,
    );
    await bo.context().close();
  }, 150_000);

  it("recent decisions filter by repository and outcome", async () => {
    const page = await signedIn(PEOPLE.reader.displayName);
    await openView(page, app, "view=decisions");
    await page.fill("#f-repo", "team/risky-app");
    await page.selectOption("#f-outcome", "Passed");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL(/repository=team%2Frisky-app/);
    await page.locator('body[data-ready="decisions"]').waitFor();
    const rows = page.locator("tbody tr");
    await expect.poll(() => rows.count()).toBeGreaterThan(0);
    for (const text of await rows.allTextContents()) expect(text).toMatch(/team\/risky-app.*Passed/);
    await screenshot(page, "decisions");
    expect(await seriousViolations(page)).toEqual([]);
    await page.selectOption("#f-outcome", "Failed");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL(/outcome=Failed/);
    await page.locator('body[data-ready="decisions"]').waitFor();
    expect(await page.textContent("main")).toContain("No decisions match.");
    await page.context().close();
  }, 120_000);

  it("the deadline countdown reaches zero and the page shows the timeout outcome", async () => {
    const reference = await pushImage("team/risky-timeout");
    const waiting = await stack.waitForStatus(reference, awaiting);
    const page = await signedIn(PEOPLE.approver.displayName);
    await openView(page, app, `view=image&image=${encodeURIComponent(reference)}`);
    const countdown = page.locator(".countdown");
    expect(await countdown.textContent()).toMatch(/\d+ (s|min)/);
    const left = Date.parse(String(waiting.approvalDeadline)) - Date.now();
    await page.locator(".countdown.expired").waitFor({ timeout: left + 10_000 });
    // APPROVAL_TIMEOUT_OUTCOME defaults to Failed: the page polls the status and shows it once recorded.
    await expect
      .poll(() => page.locator("#outcome").textContent(), { timeout: 30_000 })
      .toMatch(/^Approval deadline passed → Failed by gate: no approval before/);
    await screenshot(page, "timed-out");
    await page.context().close();
  }, 180_000);
});
