import { describe, expect, it } from "vitest";
import { decisionStatement, LEVEL_OVERRIDDEN, LEVEL_PASSED } from "../../../src/attest/statement.js";
import { attestationSettings } from "../../../src/attest/settings.js";
import { AttestationConfigError } from "../../../src/attest/errors.js";

const digest = "sha256:" + "c".repeat(64);
const base = {
  loginServer: "r.example",
  repository: "team/app",
  digest,
  verifierId: "urn:acr-quarantine-gate",
  gateVersion: "0.1.0",
  at: "2026-12-02T07:00:00.000Z",
  policy: { version: "0123456789ab", sha256: "d".repeat(64) },
  report: {
    uri: "oci://r.example/team/app@sha256:" + "e".repeat(64),
    sha256: "f".repeat(64),
    mediaType: "application/sarif+json",
  },
};

describe("the decision statement (in-toto Statement v1, SLSA VSA v1)", () => {
  it("carries subject, verifier and version, policy URI and digest, input report, result and time", () => {
    const s = decisionStatement({ ...base, outcome: { result: "Passed", decidedBy: "policy", reason: "clean" } });
    expect(s._type).toBe("https://in-toto.io/Statement/v1");
    expect(s.predicateType).toBe("https://slsa.dev/verification_summary/v1");
    expect(s.subject).toEqual([{ name: "r.example/team/app", digest: { sha256: "c".repeat(64) } }]);
    expect(s.predicate.verifier).toEqual({
      id: "urn:acr-quarantine-gate",
      version: { "acr-quarantine-gate": "0.1.0" },
    });
    expect(s.predicate.timeVerified).toBe(base.at);
    expect(s.predicate.resourceUri).toBe(`oci://r.example/team/app@${digest}`);
    expect(s.predicate.policy).toEqual({
      uri: "urn:acr-quarantine-gate/policy/0123456789ab",
      digest: { sha256: "d".repeat(64) },
    });
    expect(s.predicate.inputAttestations).toEqual([
      { uri: base.report.uri, digest: { sha256: "f".repeat(64) }, mediaType: "application/sarif+json" },
    ]);
    expect(s.predicate.verificationResult).toBe("PASSED");
    expect(s.predicate.verifiedLevels).toEqual([LEVEL_PASSED]);
  });

  it("says FAILED with no levels for a Failed image, and names an override with its approver and reason", () => {
    const failed = decisionStatement({ ...base, outcome: { result: "Failed", decidedBy: "policy", reason: "CVE" } });
    expect(failed.predicate.verificationResult).toBe("FAILED");
    expect(failed.predicate.verifiedLevels).toEqual([]);
    const override = decisionStatement({
      ...base,
      outcome: { result: "Passed", decidedBy: "Ada Admin", reason: "break-glass override: outage", override: true },
    });
    expect(override.predicate.verifiedLevels).toEqual([LEVEL_OVERRIDDEN]);
    expect(override.predicate.gateDecision).toMatchObject({
      decidedBy: "Ada Admin",
      override: true,
      reason: "break-glass override: outage",
    });
  });

  it("omits the policy digest when the verdict was made under another policy than the one in force", () => {
    const s = decisionStatement({
      ...base,
      policy: { version: "0123456789ab" },
      outcome: { result: "Passed", decidedBy: "policy", reason: "clean" },
    });
    expect(s.predicate.policy.digest).toBeUndefined();
  });
});

describe("attestation settings", () => {
  it("takes a key file or a Key Vault key, not both; neither turns attestations off", () => {
    expect(attestationSettings({}).signing).toBeUndefined();
    expect(attestationSettings({ ATTESTATION_SIGNING_KEY_FILE: "/s/k.pem" }).signing).toEqual({
      kind: "file",
      path: "/s/k.pem",
    });
    expect(
      attestationSettings({ ATTESTATION_KEY_VAULT_KEY_ID: "https://v.vault.azure.net/keys/gate/abc" }).signing,
    ).toEqual({ kind: "key-vault", keyUrl: "https://v.vault.azure.net/keys/gate/abc" });
    expect(() =>
      attestationSettings({ ATTESTATION_SIGNING_KEY_FILE: "/k", ATTESTATION_KEY_VAULT_KEY_ID: "https://v/keys/k" }),
    ).toThrow(AttestationConfigError);
    expect(() => attestationSettings({ ATTESTATION_SIGNING_KEY_FILE: "relative.pem" })).toThrow(/absolute/);
    expect(() => attestationSettings({ ATTESTATION_VERIFIER_ID: "not a uri" })).toThrow(/URI/);
  });
});
