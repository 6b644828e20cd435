import { describe, expect, it } from "vitest";
import { ConfigError, approvalConfig } from "../../../src/config.js";

const TENANT = "72F988BF-86F1-41AF-91AB-2D7CD011DB47";
const CLIENT = "6e74172b-be56-4843-9ff4-e66a39bb12e3";

function problems(env: Record<string, string>): string[] {
  try {
    approvalConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
}

describe("approval settings: the approver API registration", () => {
  it("defaults to closed approvals and Entra ID's global authority", () => {
    expect(approvalConfig({})).toEqual({
      deadline: { iso: "P3D", ms: 3 * 86_400_000 },
      tenantId: undefined,
      clientId: undefined,
      appIdUri: undefined,
      authorityHost: "https://login.microsoftonline.com",
      onTimeout: "Failed",
    });
  });

  it("reads tenant, client ID and App ID URI (GUIDs lower-cased), and a national-cloud authority", () => {
    expect(
      approvalConfig({
        APPROVER_TENANT_ID: TENANT,
        APPROVER_CLIENT_ID: CLIENT.toUpperCase(),
        APPROVER_APP_ID_URI: `api://${CLIENT}`,
        APPROVER_AUTHORITY_HOST: "https://login.microsoftonline.us/",
      }),
    ).toMatchObject({
      tenantId: TENANT.toLowerCase(),
      clientId: CLIENT,
      appIdUri: `api://${CLIENT}`,
      authorityHost: "https://login.microsoftonline.us",
    });
  });

  it("accepts the local identity endpoint over http on loopback only", () => {
    expect(approvalConfig({ APPROVER_AUTHORITY_HOST: "http://127.0.0.1:7080" }).authorityHost).toBe(
      "http://127.0.0.1:7080",
    );
    expect(approvalConfig({ APPROVER_AUTHORITY_HOST: "http://localhost:7080" }).authorityHost).toBe(
      "http://localhost:7080",
    );
    expect(problems({ APPROVER_AUTHORITY_HOST: "http://login.example" })[0]).toMatch(/https.*loopback/);
    expect(problems({ APPROVER_AUTHORITY_HOST: "https://login.microsoftonline.com/tenant/v2.0" })[0]).toMatch(
      /scheme and host only/,
    );
    expect(problems({ APPROVER_AUTHORITY_HOST: "https://user:pw@login.example" })[0]).toMatch(/without credentials/);
    expect(problems({ APPROVER_AUTHORITY_HOST: "ftp://login.example" })[0]).toMatch(/APPROVER_AUTHORITY_HOST/);
  });

  it("reports every bad value by setting name", () => {
    const found = problems({
      APPROVER_TENANT_ID: "contoso.onmicrosoft.com",
      APPROVER_CLIENT_ID: "api://gate",
      APPROVER_APP_ID_URI: CLIENT,
    });
    expect(found).toHaveLength(3);
    expect(found.join("\n")).toMatch(/APPROVER_TENANT_ID must be a GUID/);
    expect(found.join("\n")).toMatch(/APPROVER_CLIENT_ID must be a GUID/);
    expect(found.join("\n")).toMatch(/APPROVER_APP_ID_URI must be an absolute URI/);
    expect(problems({ APPROVER_APP_ID_URI: "api://a b" })[0]).toMatch(/APPROVER_APP_ID_URI/);
  });
});
