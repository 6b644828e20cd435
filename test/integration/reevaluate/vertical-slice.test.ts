import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parsePolicy, type PolicyDocument } from "../../../src/policy/index.js";
import { HarborScannerClient } from "../../../src/scanning/harbor/index.js";
import { decideRemediation } from "../../../src/reevaluate/decide.js";
import { enforceRemediation, type EnforceDeps } from "../../../src/reevaluate/enforce.js";
import { lockedImageScanner } from "../../../src/reevaluate/locked-scan.js";
import { reevaluateImage, type ReevaluateDeps } from "../../../src/reevaluate/reevaluate-image.js";
import { HarborRescanner } from "../../../src/reevaluate/rescanner.js";
import { MemoryRemediationStore } from "../../../src/reevaluate/store.js";
import { startScannerEmulator, type ScannerEmulator } from "../../../local/scanner-emulator/server.js";
import { repoRef, type LocalAcr } from "../../support/local-acr.js";
import { buildOciImage, type OciImage } from "../../support/oci-image.js";
import { freshTempDir, localStateRoot } from "../../support/paths.js";
import { inspectRaw, push } from "../../support/skopeo.js";
import { clientFor, startLocalAcrForClient } from "../acr-client/support.js";

const CLEAN = (target: string) => ({ SchemaVersion: 2, Results: [{ Target: target, Vulnerabilities: [] }] });
const CRITICAL = (target: string) => ({
  SchemaVersion: 2,
  Results: [
    {
      Target: target,
      Class: "os-pkgs",
      Type: "debian",
      Vulnerabilities: [
        {
          VulnerabilityID: "CVE-2026-0001",
          PkgName: "openssl",
          InstalledVersion: "3.0.1",
          FixedVersion: "3.0.2",
          Severity: "CRITICAL",
        },
      ],
    },
  ],
});

const T0 = Date.parse("2026-03-01T00:00:00.000Z");
const day = (n: number) => new Date(T0 + n * 86_400_000).toISOString();

/**
 * The re-evaluation slice on real parts: skopeo pushes and pulls, the ACR emulator (docker-registry underneath) with
 * the product's registry client, the scanner emulator behind the product's Harbor client, and the two activities with
 * an injected clock (the `now` each call gets; no sleeps). Only the Durable host is left out: the orchestrations that
 * call these activities are replayed in test/unit/reevaluate. The gate's identity is given AcrPush besides its
 * quarantine roles: the lock needs metadata write, and while the image is Failed only quarantine read sees it.
 */
describe("re-evaluation of a released image, end to end on the emulators", () => {
  let local: LocalAcr;
  let scanner: ScannerEmulator;
  let image: OciImage;
  const repository = "team/reeval";
  let advisories: "clean" | "critical" = "clean";
  const audit: { action: string; reason: string; at: string }[] = [];
  const store = new MemoryRemediationStore();

  const puller = async () => ({ certDir: local.acr.certDir, creds: await local.skopeoCreds("puller") });
  const pullable = async (reference: string) =>
    (await inspectRaw(repoRef(local, repository, reference), await puller())).code === 0;

  let gate: ReturnType<ReturnType<typeof clientFor>["registry"]>;
  const gateRegistry = () => gate;

  function reevaluateDeps(policy: PolicyDocument): ReevaluateDeps {
    const rescanner = new HarborRescanner({
      scanner: new HarborScannerClient({ baseUrl: scanner.url }),
      pullTokens: { pullToken: (_s, repo) => local.accessToken("reader", [`repository:${repo}:pull`]) },
      policy,
      vex: undefined,
      deadlineMs: 10_000,
      wait: async () => undefined,
    });
    return {
      policy,
      policyVersion: "test",
      store,
      rescanner,
      lockedRescanner: lockedImageScanner(
        rescanner,
        () => gateRegistry(),
        () => undefined,
      ),
      audit: { record: async (entry) => void audit.push({ action: entry.action, reason: entry.reason, at: entry.at }) },
      notifier: { notify: async () => undefined },
      log: () => undefined,
    };
  }

  const enforceDeps = (): EnforceDeps => ({
    registry: () => gateRegistry(),
    audit: { record: async (entry) => void audit.push({ action: entry.action, reason: entry.reason, at: entry.at }) },
    notifier: { notify: async () => undefined },
    log: () => undefined,
    store,
  });

  const run = (policy: PolicyDocument, now: string) =>
    reevaluateImage(reevaluateDeps(policy), {
      runId: `run-${now}`,
      image: { loginServer: local.acr.loginServer, repository, digest: image.manifestDigest },
      now,
      purpose: "scheduled",
    });
  const enforce = (action: "block" | "release", now: string, reason: string) =>
    enforceRemediation(enforceDeps(), {
      runId: `run-${now}`,
      image: { loginServer: local.acr.loginServer, repository, digest: image.manifestDigest },
      action,
      reason,
      now,
    });

  beforeAll(async () => {
    local = await startLocalAcrForClient();
    await local.admin("PUT", `/principals/${local.identities.gate.objectId}`, {
      displayName: "gate",
      roles: ["AcrQuarantineReader", "AcrQuarantineWriter", "AcrPush"],
    });
    gate = clientFor(local, "gate").registry(local.acr.loginServer);
    scanner = await startScannerEmulator({
      caDir: localStateRoot("tls"),
      pendingPolls: 0,
      reportFor: (artifact) => ({
        trivy: (advisories === "clean" ? CLEAN : CRITICAL)(`${artifact.repository}@${artifact.digest}`),
      }),
    });
    image = await buildOciImage(freshTempDir("reeval-img"), { payloadBytes: 8 * 1024 });
    const pushed = await push(image.layoutRef, repoRef(local, repository, "v1"), {
      certDir: local.acr.certDir,
      creds: await local.skopeoCreds("pusher"),
    });
    expect(pushed.code, pushed.stderr).toBe(0);
    // The pipeline's release, as it writes it.
    await gate.ensureQuarantineState(repository, image.manifestDigest, {
      state: "Passed",
      details: { scanner: "test", state: "Scan Passed", result: { version: "1", summary: [] } },
    });
  });
  afterAll(async () => {
    await scanner?.stop();
    await local?.stop();
  });

  const policy = parsePolicy({ version: 1 });

  it("a clean released image opens nothing; the advisory data changes and a Critical opens a finding due in 7 days", async () => {
    expect(await pullable("v1")).toBe(true);
    expect(await run(policy, day(0))).toMatchObject({ decision: "pass", opened: 0, enforcement: "none" });
    advisories = "critical";
    const opened = await run(policy, day(1));
    expect(opened).toMatchObject({ decision: "fail", opened: 1, enforcement: "none" });
    expect(
      (await store.recordsOf({ loginServer: local.acr.loginServer, repository, digest: image.manifestDigest }))[0],
    ).toMatchObject({
      findingId: "CVE-2026-0001",
      package: "openssl",
      severity: "Critical",
      dueBy: day(8),
      state: "open",
    });
    expect(await pullable("v1")).toBe(true);
  });

  it("the clock advances: the 1-day reminder fires once", async () => {
    expect(await run(policy, day(7.5))).toMatchObject({ reminders: 1, enforcement: "none" });
    expect(await run(policy, day(7.6))).toMatchObject({ reminders: 0 });
    expect(audit.filter((a) => a.action === "remediation-reminder")).toHaveLength(1);
  });

  it("at dueBy the image is blocked: pulls by tag and by digest refused, the audit says why", async () => {
    const due = await run(policy, day(8));
    expect(due).toMatchObject({ enforcement: "block", due: 1 });
    const written = await enforce("block", day(8), due.summary);
    expect(written).toEqual({ readEnabled: false, quarantineState: "Failed", quarantineStateWritten: true });
    expect(await pullable("v1")).toBe(false);
    expect(await pullable(image.manifestDigest)).toBe(false);
    const reblocked = audit.find((a) => a.action === "reblocked");
    expect(reblocked?.reason).toMatch(/CVE-2026-0001 \(Critical, openssl\) due/);
  });

  it("while the finding stands the image stays blocked, and the scanner can still scan it", async () => {
    const again = await run(policy, day(9));
    expect(again).toMatchObject({ decision: "fail", enforcement: "block" });
    expect(await pullable("v1")).toBe(false);
  });

  it("a passing re-scan (the fix is out) releases it again through the normal gate", async () => {
    advisories = "clean";
    const fixed = await run(policy, day(10));
    expect(fixed).toMatchObject({ decision: "pass", enforcement: "release", closed: 1 });
    expect(await enforce("release", day(10), fixed.summary)).toMatchObject({
      readEnabled: true,
      quarantineState: "Passed",
    });
    expect(await pullable("v1")).toBe(true);
    expect(await pullable(image.manifestDigest)).toBe(true);
  });

  it("an exception added before dueBy closes a new finding, and nothing is blocked", async () => {
    advisories = "critical";
    expect(await run(policy, day(11))).toMatchObject({ opened: 1 });
    const excused = parsePolicy({
      version: 1,
      exceptions: [
        {
          vulnerability: "CVE-2026-0001",
          expires: "2027-01-01T00:00:00Z",
          justification: "not reachable in this service",
          approvedBy: "security@contoso.com",
        },
      ],
    });
    expect(await run(excused, day(12))).toMatchObject({ closed: 1, enforcement: "none" });
    expect(await run(excused, day(30))).toMatchObject({ enforcement: "none", due: 0 });
    expect(await pullable("v1")).toBe(true);
  });

  it("warn mode blocks nothing at the deadline", async () => {
    const warn = parsePolicy({ version: 1, remediation: { onDue: "warn" } });
    // The exception is gone: the finding opens again and, in warn mode, its deadline only warns.
    expect(await run(warn, day(31))).toMatchObject({ opened: 1 });
    expect(await run(warn, day(38))).toMatchObject({ enforcement: "warn", due: 1 });
    expect(await pullable("v1")).toBe(true);
  });

  it("a protected repository asks for approval at dueBy; an approved block locks it; an approved release re-opens it", async () => {
    const guarded = parsePolicy({ version: 1, remediation: { protected: true, sla: { Critical: 1 } } });
    // Close the warned record of the step before, so the protected policy's deadline counts from now.
    const key = { loginServer: local.acr.loginServer, repository, digest: image.manifestDigest };
    await store.put((await store.recordsOf(key)).map((r) => ({ ...r, state: "closed" as const })));
    expect(await run(guarded, day(40))).toMatchObject({ opened: 1 });
    expect(await run(guarded, day(41))).toMatchObject({ enforcement: "ask-approval", due: 1 });
    expect(await pullable("v1")).toBe(true);
    const approver = { objectId: "0b100000-0000-4000-8000-0000000000aa", name: "Ada Approver" };
    const blocked = await decideRemediation(
      { store, enforce: enforceDeps() },
      { image: key, action: "block", reason: "fix is late, block it", approver, now: day(41.5) },
    );
    expect(blocked).toMatchObject({ action: "block", records: 1, registry: { readEnabled: false } });
    expect(await pullable("v1")).toBe(false);
    expect(await pullable(image.manifestDigest)).toBe(false);
    const released = await decideRemediation(
      { store, enforce: enforceDeps() },
      { image: key, action: "release", reason: "hotfix deploy needs it", approver, now: day(42) },
    );
    expect(released).toMatchObject({ action: "release", registry: { readEnabled: true, quarantineState: "Passed" } });
    expect(await pullable("v1")).toBe(true);
    expect(audit.filter((a) => a.action === "reopened").at(-1)?.reason).toMatch(/^approved release: Ada Approver/);
    await expect(
      decideRemediation(
        { store, enforce: enforceDeps() },
        { image: key, action: "release", reason: "again", approver, now: day(43) },
      ),
    ).rejects.toMatchObject({ code: "remediation-not-blocked" });
  });
});
