import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../../support/paths.js";

export const trivyFixtureDir = join(projectRoot, "test", "fixtures", "trivy");

export function fixtureText(name: string): string {
  return readFileSync(join(trivyFixtureDir, name), "utf8");
}

export function fixtureJson<T = unknown>(name: string): T {
  return JSON.parse(fixtureText(name)) as T;
}

/** The Trivy JSON reports of secrets and misconfigurations (no vulnerabilities). */
export const TRIVY_OTHER_KINDS = ["secrets.json", "dockerfile-misconfig.json"];

/** Every Trivy JSON vulnerability report among the fixtures (not SARIF, not VEX, not secrets or misconfigurations). */
export function trivyJsonFixtureNames(): string[] {
  return readdirSync(trivyFixtureDir)
    .filter(
      (name) =>
        name.endsWith(".json") &&
        !name.endsWith(".sarif.json") &&
        name !== "openvex.json" &&
        !TRIVY_OTHER_KINDS.includes(name),
    )
    .sort();
}

/** A Harbor vulnerability report (version 1.1) shaped exactly as the spec's HarborVulnerabilityReport. */
export function harborReport(vulnerabilities: object[]): Record<string, unknown> {
  return {
    generated_at: "2024-05-01T10:00:00Z",
    artifact: {
      repository: "library/app",
      digest: "sha256:" + "a".repeat(64),
      mime_type: "application/vnd.oci.image.manifest.v1+json",
    },
    scanner: { name: "Trivy", vendor: "Aqua Security", version: "0.50.0" },
    severity: "High",
    vulnerabilities,
  };
}
