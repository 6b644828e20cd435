import { describe, expect, it } from "vitest";
import { oneLine, redactSecrets } from "../../../src/observability/redact.js";

// A JWT as Entra and the ACR token server issue them: header.payload.signature, base64url.
const JWT =
  "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJhcGk6Ly9nYXRlIiwicm9sZXMiOlsiUXVhcmFudGluZS5BcHByb3ZlciJdfQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ";
const DIGEST = `sha256:${"ab".repeat(32)}`;

describe("redactSecrets", () => {
  it.each([
    ["a bearer token in an error message", `request failed: Authorization: Bearer ${JWT}`, [JWT, "Bearer eyJ"]],
    ["a bare JWT", `refresh token ${JWT} expired`, [JWT]],
    ["a JWT's header alone", "token eyJhbGciOiJIUzI1NiJ9 was cut", ["eyJhbGciOiJIUzI1NiJ9"]],
    [
      "a function key in ?code=",
      "GET https://app.azurewebsites.net/api/acr/events?code=s3cr3tKey123== failed",
      ["s3cr3tKey123"],
    ],
    ["a function key in &code=", "https://h/api/x?a=1&code=abcDEF123 answered 500", ["abcDEF123"]],
    [
      "a SAS signature",
      "https://st.blob.core.windows.net/c/b?sv=2024-01-01&sig=Zm9vYmFyJTJCYmF6&se=2030 403",
      ["Zm9vYmFyJTJCYmF6"],
    ],
    [
      "a storage account key in a connection string",
      "DefaultEndpointsProtocol=https;AccountName=st;AccountKey=Eby8vdM02xNOcqFlqUw==;EndpointSuffix=core.windows.net",
      ["Eby8vdM02xNOcqFlqUw"],
    ],
    ["an x-functions-key header", "sent x-functions-key: Sup3rS3cretWebhookKey to the app", ["Sup3rS3cretWebhookKey"]],
    [
      "a refresh token in a form body",
      "grant_type=refresh_token&refresh_token=opaque-Refresh-123&service=r",
      ["opaque-Refresh-123"],
    ],
    ["Basic credentials", "Authorization: Basic dXNlcjpwYXNzd29yZA==", ["dXNlcjpwYXNzd29yZA"]],
    ["credentials in a URL", "cannot reach https://admin:hunter2@registry.local:5000/v2/", ["hunter2", "admin:"]],
    ["the identity endpoint's secret header", "X-IDENTITY-HEADER: 4f0c2a-secret-header sent", ["4f0c2a-secret-header"]],
  ])("redacts %s", (_what, text, secrets) => {
    const redacted = redactSecrets(text);
    for (const secret of secrets) expect(redacted).not.toContain(secret);
    expect(redacted).toContain("[redacted]");
  });

  it("leaves image references, digests, ids and plain messages alone", () => {
    const text = `scan failed for contoso.azurecr.io/team/app@${DIGEST} (qp-${"0".repeat(40)}): scanner answered 503`;
    expect(redactSecrets(text)).toBe(text);
  });

  it("keeps a challenge's realm, which names no secret", () => {
    const text = 'ACR answered 401 with Bearer realm="https://r.azurecr.io/oauth2/token",service="r.azurecr.io"';
    expect(redactSecrets(text)).toBe(text);
  });

  it("redacts every occurrence", () => {
    const redacted = redactSecrets(`${JWT} and again ${JWT}`);
    expect(redacted).not.toContain("eyJ");
    expect(redacted.match(/\[redacted\]/g)).toHaveLength(2);
  });
});

describe("oneLine", () => {
  it("folds newlines and bounds the length", () => {
    expect(oneLine("first\n  second\r\nthird", 100)).toBe("first second third");
    const long = oneLine("x".repeat(500), 300);
    expect(long).toHaveLength(300);
    expect(long.endsWith("…")).toBe(true);
  });
});
