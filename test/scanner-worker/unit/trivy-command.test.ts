import { describe, expect, it } from "vitest";
import { trivyArguments, trivyEnvironment } from "../../../scanner-worker/trivy.js";

const REF = "myacr.azurecr.io/team/app@sha256:" + "a".repeat(64);

describe("the Trivy command line and environment", () => {
  it("JSON, vulnerabilities only, Trivy's timeout past the worker's, `--` before the reference; no token on it", () => {
    const args = trivyArguments(REF, {
      serverUrl: "https://trivy.internal.example.net",
      cacheDir: "/cache",
      timeoutSeconds: 600,
      maxReportBytes: 1,
    });
    expect(args).toEqual([
      "image",
      "--format",
      "json",
      "--no-progress",
      "--scanners",
      "vuln",
      "--timeout",
      "605s",
      "--server",
      "https://trivy.internal.example.net",
      "--cache-dir",
      "/cache",
      "--",
      REF,
    ]);
  });

  it("the pull token goes in TRIVY_REGISTRY_TOKEN; the worker's own credentials never reach Trivy", () => {
    const env = trivyEnvironment("the-pull-token", {
      PATH: "/usr/bin",
      HOME: "/home/node",
      NODE_EXTRA_CA_CERTS: "/ca.pem",
      AZURE_CLIENT_ID: "client",
      AZURE_FEDERATED_TOKEN_FILE: "/var/run/token",
      IDENTITY_ENDPOINT: "http://localhost:42356/msi/token",
      IDENTITY_HEADER: "header",
      MSI_SECRET: "secret",
      SCAN_QUEUE_CONNECTION_STRING: "AccountKey=abc",
      TRIVY_USERNAME: "someone",
      TRIVY_PASSWORD: "password",
      TRIVY_REGISTRY_TOKEN: "an-older-token",
    });
    expect(env).toEqual({
      PATH: "/usr/bin",
      HOME: "/home/node",
      NODE_EXTRA_CA_CERTS: "/ca.pem",
      TRIVY_REGISTRY_TOKEN: "the-pull-token",
    });
  });
});
