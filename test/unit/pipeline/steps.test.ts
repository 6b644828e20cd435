import { describe, expect, it } from "vitest";
import type { AcrClient } from "../../../src/acr/index.js";
import { parsePolicy } from "../../../src/policy/index.js";
import type { GateServices } from "../../../src/pipeline/services.js";
import { inspectImage } from "../../../src/pipeline/steps/inspect-image.js";
import { auditActionOf, recordDecision } from "../../../src/pipeline/steps/record-decision.js";
import { pollScan, submitScan } from "../../../src/pipeline/steps/scan.js";
import { writeRegistryDecision } from "../../../src/pipeline/steps/write-registry-decision.js";
import { ScannerNotConfiguredError } from "../../../src/pipeline/errors.js";
import { AUDIT_ACTIONS } from "../../../src/audit/actions.js";
import type { AuditRecord } from "../../../src/audit/audit-log.js";
import type { ImageKey, InspectedArtifact, PipelineOutcome } from "../../../src/pipeline/contract/index.js";
import { IMAGE, digestOf, pipelineInput, verdict } from "./support/fixtures.js";

/** A registry client that answers from memory and records what it was asked. */
function fakeAcr(manifest: { state?: string; references?: string[]; configMediaType?: string } = {}) {
  const calls: Array<{ op: string; args: unknown[] }> = [];
  const handle = {
    getManifest: async (...args: unknown[]) => {
      calls.push({ op: "getManifest", args });
      return {
        mediaType: "application/vnd.oci.image.index.v1+json",
        ...(manifest.configMediaType ? { configMediaType: manifest.configMediaType } : {}),
        quarantine: { state: manifest.state },
        references: (manifest.references ?? []).map((digest) => ({ digest })),
      };
    },
    ensureQuarantineState: async (...args: unknown[]) => {
      calls.push({ op: "ensureQuarantineState", args });
      return { attributes: { quarantine: { state: (args[2] as { state: string }).state } }, written: true };
    },
  };
  const acr = { registry: (server: string) => (calls.push({ op: "registry", args: [server] }), handle) };
  return { acr: acr as unknown as AcrClient, calls };
}

/** The artifact inspection, answering `answer` and counting its calls. */
function fakeArtifacts(answer?: InspectedArtifact) {
  const asked: ImageKey[] = [];
  return {
    asked,
    inspect: (image: ImageKey) => {
      asked.push(image);
      return Promise.resolve(answer);
    },
  };
}

describe("inspectImage", () => {
  it("reads the quarantine state, and every platform of an index as scan targets", async () => {
    const platforms = [digestOf(2), digestOf(3)];
    const { acr, calls } = fakeAcr({ state: "Quarantined", references: platforms });
    const artifacts = fakeArtifacts();
    expect(await inspectImage({ acr }, IMAGE, artifacts)).toEqual({
      quarantineState: "Quarantined",
      mediaType: "application/vnd.oci.image.index.v1+json",
      scanTargets: platforms,
      isIndex: true,
    });
    expect(calls[1]).toEqual({ op: "getManifest", args: [IMAGE.repository, IMAGE.digest] });
    expect(artifacts.asked).toEqual([]);
  });

  it("scans the image itself when it is not an index", async () => {
    expect((await inspectImage({ acr: fakeAcr().acr }, IMAGE, fakeArtifacts())).scanTargets).toEqual([IMAGE.digest]);
  });

  for (const configMediaType of [
    "application/vnd.oci.image.config.v1+json",
    "application/vnd.docker.container.image.v1+json",
  ])
    it(`an image config (${configMediaType}) is an image: the manifest itself is not read`, async () => {
      const artifacts = fakeArtifacts();
      const result = await inspectImage({ acr: fakeAcr({ configMediaType }).acr }, IMAGE, artifacts);
      expect(result.scanTargets).toEqual([IMAGE.digest]);
      expect(result.artifact).toBeUndefined();
      expect(artifacts.asked).toEqual([]);
    });

  it("any other config (or none reported) asks the artifact inspection; an artifact is not scanned", async () => {
    const artifact: InspectedArtifact = {
      kind: "not-an-image",
      artifactType: "application/spdx+json",
      subject: digestOf(7),
      reason: "not an image: an SBOM",
    };
    for (const configMediaType of ["application/vnd.oci.empty.v1+json", undefined]) {
      const artifacts = fakeArtifacts(artifact);
      const result = await inspectImage({ acr: fakeAcr({ configMediaType }).acr }, IMAGE, artifacts);
      expect(artifacts.asked).toEqual([IMAGE]);
      expect(result).toMatchObject({ scanTargets: [], isIndex: false, artifact });
    }
    // The inspection finds an image after all (the registry did not report the config): scanned as before.
    const result = await inspectImage({ acr: fakeAcr().acr }, IMAGE, fakeArtifacts(undefined));
    expect(result.scanTargets).toEqual([IMAGE.digest]);
    expect(result.artifact).toBeUndefined();
  });
});

describe("writeRegistryDecision", () => {
  it("writes the state with quarantineDetails in ACR's schema and reports what the registry shows", async () => {
    const { acr, calls } = fakeAcr();
    const result = await writeRegistryDecision(
      { acr },
      { image: IMAGE, state: "Failed", reason: "CVE-1 blocks", verdict: verdict("fail"), statusUrl: "https://g/s" },
    );
    expect(result).toEqual({ confirmedState: "Failed", written: true });
    const write = calls.find((c) => c.op === "ensureQuarantineState")!;
    expect(write.args.slice(0, 2)).toEqual([IMAGE.repository, IMAGE.digest]);
    const { state, details } = write.args[2] as { state: string; details: Record<string, unknown> };
    expect(state).toBe("Failed");
    expect(details).toMatchObject({ scanner: "Trivy 0.50", state: "failed: CVE-1 blocks", link: "https://g/s" });
    expect((details.result as { summary: unknown[] }).summary).toHaveLength(5);
  });

  it("writes without a verdict (the sweep's expiry) and keeps the state line within ACR's 200 characters", async () => {
    const { acr, calls } = fakeAcr();
    await writeRegistryDecision({ acr }, { image: IMAGE, state: "Failed", reason: "x".repeat(500) });
    const { details } = calls.find((c) => c.op === "ensureQuarantineState")!.args[2] as { details: { state: string } };
    expect(details.state).toHaveLength(200);
    expect(details).not.toHaveProperty("result");
  });
});

describe("scan steps", () => {
  const policy = parsePolicy({ version: 1 });
  const base = {
    policy,
    policyVersion: "p1",
    queue: undefined,
    scanner: undefined,
    findings: { save: async () => {} },
  } as const;

  it("refuse to run without the scanner kind they need", async () => {
    const services = { ...base, pullTokens: { pullToken: async () => "t" } } as unknown as GateServices;
    await expect(
      submitScan(services, { image: IMAGE, scanId: "s", now: "2024-01-01T00:00:00Z" }),
    ).rejects.toBeInstanceOf(ScannerNotConfiguredError);
    await expect(pollScan(services, { image: IMAGE, scanId: "s", now: "t" })).rejects.toBeInstanceOf(
      ScannerNotConfiguredError,
    );
  });

  it("submit to a Harbor adapter with a pull token for the one repository", async () => {
    const requests: unknown[] = [];
    const services = {
      ...base,
      scanner: { submitScan: async (r: unknown) => (requests.push(r), "harbor-1") },
      pullTokens: { pullToken: async (server: string, repo: string) => `token-for-${server}/${repo}` },
    } as unknown as GateServices;
    expect(await submitScan(services, { image: IMAGE, tag: "v1", scanId: "s", now: "t" })).toEqual({
      mode: "poll",
      digest: IMAGE.digest,
      scanId: "harbor-1",
    });
    expect(requests).toEqual([
      {
        registry: {
          url: `https://${IMAGE.loginServer}`,
          authorization: `Bearer token-for-${IMAGE.loginServer}/team/app`,
        },
        artifact: { repository: "team/app", digest: IMAGE.digest, tag: "v1" },
      },
    ]);
  });

  it("poll: pending waits as the adapter says; a failed scan is no verdict; an unusable report fails", async () => {
    const answers = [
      { state: "pending", refreshAfterSeconds: 7 },
      { state: "failed", error: { code: "scan-failed", message: "db missing" } },
      { state: "done", outcome: { ok: false, error: { code: "unknown-format", message: "not a report" } } },
    ];
    const services = {
      ...base,
      scanner: { fetchReport: async () => answers.shift() },
    } as unknown as GateServices;
    const input = { image: IMAGE, scanId: "s", now: "2024-01-01T00:00:00Z" };
    expect(await pollScan(services, input)).toEqual({ state: "pending", retryAfterMs: 7000 });
    expect(await pollScan(services, input)).toEqual({ state: "failed", error: "db missing", retryable: false });
    expect(await pollScan(services, input)).toMatchObject({ state: "done", verdict: { decision: "fail" } });
  });
});

describe("recordDecision", () => {
  it.each([
    [{ result: "Passed" }, "released"],
    [{ result: "Passed", override: true }, "overridden"],
    [{ result: "Failed" }, "failed"],
    [{ result: "left-quarantined" }, "left-quarantined"],
    [{ result: "already-decided" }, "already-decided"],
    [{ result: "would-pass" }, "would-release"],
    [{ result: "would-fail" }, "would-fail"],
  ] as const)("audits %j as %s", (outcome, action) => {
    expect(auditActionOf(outcome as Pick<PipelineOutcome, "result" | "override">)).toBe(action);
    expect(AUDIT_ACTIONS).toContain(action);
  });

  it("records who, why, the verdict and the policy", async () => {
    const written: AuditRecord[] = [];
    await recordDecision(
      { audit: { record: async (r: AuditRecord) => void written.push(r) } as never, policyVersion: "fallback" },
      {
        input: pipelineInput(),
        outcome: { result: "Failed", verdict: verdict("fail"), decidedBy: "policy", reason: "CVE-1" },
        instanceId: "qp-1",
        at: "2024-01-01T00:00:00.000Z",
      },
    );
    expect(written).toEqual([
      {
        image: `${IMAGE.loginServer}/${IMAGE.repository}@${IMAGE.digest}`,
        action: "failed",
        actor: "policy",
        at: "2024-01-01T00:00:00.000Z",
        reason: "CVE-1",
        verdict: "fail",
        quarantineState: "Failed",
        findingsSummary: { Critical: 1 },
        policyVersion: "p1",
        instanceId: "qp-1",
      },
    ]);
  });
});
