import { accessSync, constants, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { delimiter, join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { freshTempDir } from "../support/paths.js";

/** Debian's chromium (local/preflight/system-packages.mjs installs it for the test profile), or one on PATH. */
export function chromiumPath(): string {
  const candidates = [
    process.env.CHROMIUM_PATH,
    "/usr/bin/chromium",
    ...(process.env.PATH ?? "")
      .split(delimiter)
      .flatMap((dir) => [join(dir, "chromium"), join(dir, "chromium-browser")]),
  ].filter((c): c is string => Boolean(c));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  throw new Error("chromium is not installed: apt-get install chromium (npm test's preflight does it as root)");
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    // As root (CI containers) Chromium needs --no-sandbox; /dev/shm is small in containers.
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
}

/**
 * A fresh browser profile (its own sessionStorage). The local identity endpoint's sign-in front has a certificate
 * from its own local CA, which this profile is told to accept (a person would trust the CA, docs/approval-page.md).
 */
export async function newContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
}

/** Where the run's screenshots go (the artifact folder: ARTIFACTS_DIR when CI sets one, a temp folder otherwise). */
export const screenshotDir = (() => {
  const dir = process.env.ARTIFACTS_DIR ? join(process.env.ARTIFACTS_DIR, "screenshots") : freshTempDir("screens");
  mkdirSync(dir, { recursive: true });
  return dir;
})();

export async function screenshot(page: Page, name: string): Promise<string> {
  const path = join(screenshotDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Signs in through MSAL's redirect: the page's button, the identity endpoint's person picker, back to the page. */
export async function signInAs(page: Page, appUrl: string, displayName: string): Promise<void> {
  await page.goto(`${appUrl}/api/ui/`);
  await page.locator('body[data-ready="signed-out"]').waitFor();
  await page.click("#sign-in");
  await page.getByRole("button", { name: displayName }).click();
  try {
    await page.waitForURL((url) => url.origin === new URL(appUrl).origin, { timeout: 20_000 });
    await page.locator("body[data-ready]:not([data-ready=signed-out])").waitFor({ timeout: 20_000 });
  } catch (error) {
    throw new Error(
      `sign-in as ${displayName} did not finish at ${page.url()}: ${(await page.content()).slice(0, 1500)}`,
      {
        cause: error,
      },
    );
  }
}

export async function openView(page: Page, appUrl: string, query: string): Promise<void> {
  await page.goto(`${appUrl}/api/ui/?${query}`);
  await page.locator("body[data-ready]:not([data-ready=signed-out])").waitFor();
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/**
 * axe-core's WCAG 2.x A/AA rules in the page; the serious and critical violations. The source is evaluated through
 * the DevTools protocol, which the page's CSP does not govern (an injected <script> would be refused, as it should).
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(o: unknown): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run({ runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
    return result.violations;
  });
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}
