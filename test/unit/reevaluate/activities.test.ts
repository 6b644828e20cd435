import { describe, expect, it } from "vitest";
import { AcrRequestError } from "../../../src/acr/errors.js";
import type { ManifestAttributes } from "../../../src/acr/manifest.js";
import { parsePolicy, type Reason } from "../../../src/policy/index.js";
import { decideRemediation } from "../../../src/reevaluate/decide.js";
import { enforceRemediation, type EnforceDeps } from "../../../src/reevaluate/enforce.js";
import type { RemediationEvent } from "../../../src/reevaluate/reconcile.js";
import { reevaluateImage, type ReevaluateDeps } from "../../../src/reevaluate/reevaluate-image.js";
import { MemoryRemediationStore } from "../../../src/reevaluate/store.js";
import type { FreshJudgement } from "../../../src/reevaluate/violations.js";

const IMAGE = { loginServer: "gate.azurecr.io", repository: "team/api", digest: "sha256:" + "b".repeat(64) };
const T0 = "2026-03-01T00:00:00.000Z";
const at = (days: number) => new Date(Date.parse(T0) + days * 86_400_000).toISOString();
const critical: Reason = {
  kind: "finding-blocks",
  finding: {
    vulnerabilityId: "CVE-2026-7",
    package: "openssl",
    installedVersion: "3.0.1",
    target: "app",
    severity: "Critical",
  },
  setting: "blockAt",
  threshold: "High",
};

function deps(judgements: FreshJudgement[], remediation: object = {}) {
  const audit: { action: string; reason: string; key: string }[] = [];
  const notices: unknown[] = [];
  const lines: Record<string, unknown>[] = [];
  const store = new MemoryRemediationStore();
  const d: ReevaluateDeps = {
    policy: parsePolicy({ version: 1, remediation }),
    policyVersion: "p1",
    store,
    rescanner: { rescan: async () => judgements.shift() ?? { usable: false, code: "none", message: "no more" } },
    audit: {
      record: async (entry, key) =>
        void audit.push({ action: entry.action, reason: entry.reason, key: JSON.stringify(key) }),
    },
    notifier: {
      notify: async (e: RemediationEvent | unknown) => {
        notices.push(e);
        throw new Error("notifications are down");
      },
    },
    log: (line) => void lines.push(line),
  };
  return { d, audit, notices, lines, store };
}

const fail = (): FreshJudgement => ({ usable: true, decision: "fail", reasons: [critical], omittedReasons: 0 });
const request = (now: string) => ({ runId: `run-${now}`, image: IMAGE, now, purpose: "scheduled" as const });

describe("reevaluateImage activity", () => {
  it("opens, reminds, then asks for the block at dueBy; audited and logged; a failing notifier changes nothing", async () => {
    const { d, audit, lines, store } = deps([fail(), fail(), fail()]);
    const opened = await reevaluateImage(d, request(T0));
    expect(opened).toMatchObject({ enforcement: "none", decision: "fail", opened: 1 });
    expect((await store.recordsOf(IMAGE))[0]).toMatchObject({ state: "open", dueBy: at(7) });
    const reminded = await reevaluateImage(d, request(at(6.5)));
    expect(reminded).toMatchObject({ reminders: 1, enforcement: "none" });
    const due = await reevaluateImage(d, request(at(7)));
    expect(due).toMatchObject({ enforcement: "block", due: 1 });
    expect(due.summary).toMatch(/CVE-2026-7 \(Critical, openssl\) due 2026-03-08/);
    expect(audit.map((a) => a.action)).toEqual(["remediation-opened", "remediation-reminder", "remediation-due"]);
    expect(lines.filter((l) => l.event === "notify-failed")).toHaveLength(3);
  });

  it("a repeat of the same run writes the same audit keys (insert-if-absent makes it one row)", async () => {
    const first = deps([fail()]);
    await reevaluateImage(first.d, request(T0));
    const again = deps([fail()]);
    await reevaluateImage(again.d, request(T0));
    expect(again.audit.map((a) => a.key)).toEqual(first.audit.map((a) => a.key));
  });

  it("an unusable re-scan is a result, audited; nothing opened", async () => {
    const { d, audit } = deps([{ usable: false, code: "scan-failed", message: "scanner down" }]);
    const out = await reevaluateImage(d, request(T0));
    expect(out).toMatchObject({ decision: "unusable", opened: 0, enforcement: "none" });
    expect(audit.map((a) => a.action)).toEqual(["rescan-unusable"]);
  });
});

function manifest(readEnabled: boolean, state: string): { attributes: ManifestAttributes; written: boolean } {
  return {
    written: true,
    attributes: {
      changeableAttributes: { readEnabled },
      quarantine: { state },
    } as unknown as ManifestAttributes,
  };
}

function registry(failedAnswer: "ok" | 400 | 503, lockAnswer: "ok" | 403 = "ok") {
  const calls: string[] = [];
  const client = {
    ensureReadEnabled: async (_r: string, _d: string, value: boolean) => {
      calls.push(`readEnabled=${value}`);
      if (lockAnswer === 403) throw new AcrRequestError("denied", { status: 403 });
      return manifest(value, "Passed");
    },
    ensureQuarantineState: async (_r: string, _d: string, write: { state: string }) => {
      calls.push(`quarantineState=${write.state}`);
      if (failedAnswer !== "ok") throw new AcrRequestError(`answered ${failedAnswer}`, { status: failedAnswer });
      return manifest(false, write.state);
    },
  } as unknown as ReturnType<EnforceDeps["registry"]>;
  return { calls, client };
}

function enforceDeps(client: ReturnType<EnforceDeps["registry"]>) {
  const audit: string[] = [];
  const d: EnforceDeps = {
    registry: () => client,
    audit: { record: async (entry) => void audit.push(`${entry.action}:${entry.quarantineState}`) },
    notifier: { notify: async () => undefined },
    log: () => undefined,
    store: new MemoryRemediationStore(),
  };
  return { d, audit };
}

const blockRequest = { runId: "r1", image: IMAGE, action: "block" as const, reason: "CVE-2026-7 due", now: T0 };

describe("enforceRemediation activity", () => {
  it("block: the lock first, then Failed; both read back and audited", async () => {
    const { calls, client } = registry("ok");
    const { d, audit } = enforceDeps(client);
    expect(await enforceRemediation(d, blockRequest)).toEqual({
      readEnabled: false,
      quarantineState: "Failed",
      quarantineStateWritten: true,
    });
    expect(calls).toEqual(["readEnabled=false", "quarantineState=Failed"]);
    expect(audit).toEqual(["reblocked:Failed"]);
  });

  it("block: a registry that refuses Passed → Failed (4xx) leaves the lock alone holding, and says so", async () => {
    const { client } = registry(400);
    const { d, audit } = enforceDeps(client);
    expect(await enforceRemediation(d, blockRequest)).toEqual({
      readEnabled: false,
      quarantineState: "Passed",
      quarantineStateWritten: false,
    });
    expect(audit).toEqual(["reblocked:Passed"]);
  });

  it("block: a 5xx on the Failed write throws so the activity retries", async () => {
    const { d } = enforceDeps(registry(503).client);
    await expect(enforceRemediation(d, blockRequest)).rejects.toThrow(/503/);
  });

  it("block: a refused lock throws and nothing is audited as blocked", async () => {
    const { calls, client } = registry("ok", 403);
    const { d, audit } = enforceDeps(client);
    await expect(enforceRemediation(d, blockRequest)).rejects.toThrow(/denied/);
    expect(calls).toEqual(["readEnabled=false"]);
    expect(audit).toEqual([]);
  });

  it("block: notifies when it locked the image, not when a later run finds it locked already (audited both times)", async () => {
    const notices: string[] = [];
    let written = true;
    const client = {
      ensureReadEnabled: async () => ({ ...manifest(false, "Failed"), written }),
      ensureQuarantineState: async () => ({ ...manifest(false, "Failed"), written }),
    } as unknown as ReturnType<EnforceDeps["registry"]>;
    const { d, audit } = enforceDeps(client);
    d.notifier = { notify: async (notice) => void notices.push(notice.kind) };
    await enforceRemediation(d, blockRequest);
    written = false;
    await enforceRemediation(d, { ...blockRequest, runId: "r2" });
    expect(audit).toEqual(["reblocked:Failed", "reblocked:Failed"]);
    expect(notices).toEqual(["reblocked"]);
  });

  it("release: Passed first, then the lock lifted", async () => {
    const { calls, client } = registry("ok");
    const { d, audit } = enforceDeps(client);
    const out = await enforceRemediation(d, { ...blockRequest, action: "release" });
    expect(out.readEnabled).toBe(true);
    expect(calls).toEqual(["quarantineState=Passed", "readEnabled=true"]);
    expect(audit).toEqual(["reopened:Passed"]);
  });
});

describe("a person's remediation decision", () => {
  const waiting = {
    ...IMAGE,
    findingId: "CVE-2026-7",
    package: "openssl",
    severity: "Critical" as const,
    firstSeen: T0,
    dueBy: at(7),
    state: "awaiting-approval" as const,
    remindersSent: [],
    updatedAt: at(7),
  };
  const approver = { objectId: "oid-1", name: "Ada" };

  it("keep: declines the block; the findings are only warned, nothing is written", async () => {
    const { calls, client } = registry("ok");
    const { d } = enforceDeps(client);
    const store = new MemoryRemediationStore();
    await store.put([waiting]);
    const out = await decideRemediation(
      { store, enforce: d },
      { image: IMAGE, action: "keep", reason: "not exposed", approver, now: at(8) },
    );
    expect(out).toEqual({ action: "keep", records: 1 });
    expect(calls).toEqual([]);
    expect((await store.recordsOf(IMAGE))[0]!.state).toBe("warned");
  });

  it("a block the registry refuses leaves the records waiting (the outcome is proven before it is recorded)", async () => {
    const { client } = registry("ok", 403);
    const { d } = enforceDeps(client);
    const store = new MemoryRemediationStore();
    await store.put([waiting]);
    await expect(
      decideRemediation({ store, enforce: d }, { image: IMAGE, action: "block", reason: "late", approver, now: at(8) }),
    ).rejects.toThrow(/denied/);
    expect((await store.recordsOf(IMAGE))[0]!.state).toBe("awaiting-approval");
  });

  it("release of an image that is not blocked, or block with nothing waiting: typed 409 errors", async () => {
    const { d } = enforceDeps(registry("ok").client);
    const store = new MemoryRemediationStore();
    await expect(
      decideRemediation({ store, enforce: d }, { image: IMAGE, action: "release", reason: "x", approver, now: at(8) }),
    ).rejects.toMatchObject({ code: "remediation-not-blocked" });
    await expect(
      decideRemediation({ store, enforce: d }, { image: IMAGE, action: "block", reason: "x", approver, now: at(8) }),
    ).rejects.toMatchObject({ code: "remediation-not-awaiting-approval" });
  });
});

describe("re-evaluation's audit actions", () => {
  it("are words of the one audit vocabulary, with the values the records have always carried", async () => {
    const { AUDIT_ACTIONS } = await import("../../../src/audit/actions.js");
    const { REMEDIATION_AUDIT_ACTION } = await import("../../../src/reevaluate/audit-actions.js");
    expect(Object.values(REMEDIATION_AUDIT_ACTION).sort()).toEqual([
      "reblocked",
      "remediation-closed",
      "remediation-due",
      "remediation-opened",
      "remediation-reminder",
      "reopened",
      "rescan-unusable",
    ]);
    for (const action of Object.values(REMEDIATION_AUDIT_ACTION)) expect(AUDIT_ACTIONS).toContain(action);
  });
});
