import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeJwt } from "jose";
import { APPROVER_API } from "../../local/stack/defaults.js";
import { PEOPLE, startTestStack, type TestStack } from "../support/local-stack.js";
import { pushTestImage } from "../support/push-image.js";
import { inspectRaw } from "../support/skopeo.js";

describe("approvals end to end", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ settings: { APPROVAL_DEADLINE: "PT4S" } });
  });
  afterAll(async () => stack?.stop());

  const pushImage = (repository: string): Promise<string> => pushTestImage(stack, repository);

  const awaiting = (body: Record<string, unknown>) => body.stage === "awaiting-approval";
  const finished = (body: Record<string, unknown>) =>
    ["Completed", "Failed", "Terminated"].includes(String(body.runtimeStatus));

  async function decide(
    person: keyof typeof PEOPLE | null,
    instanceId: string,
    body: unknown,
    headers: Record<string, string> = {},
  ) {
    const auth: Record<string, string> = person ? { Authorization: `Bearer ${await stack.personToken(person)}` } : {};
    return fetch(`${stack.devhost.url}/api/approvals/${instanceId}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...auth, ...headers },
      body: JSON.stringify(body),
    });
  }

  const listApprovals = (authorization: string) =>
    fetch(`${stack.devhost.url}/api/approvals`, { headers: { Authorization: authorization } });

  // Real Entra pairs only (../shared/reference/entra-tokens.md): the stack's approver API registration is v1.0 by
  // default, as a new Entra registration is; a v2.0 registration works with the same app settings.
  it("accepts approvers' tokens as Entra issues them, v1.0 and v2.0, and refuses ID tokens and other audiences", async () => {
    const v1 = await stack.personToken("approver");
    expect(decodeJwt(v1)).toMatchObject({ ver: "1.0", aud: APPROVER_API.appIdUri, iss: stack.identity.issuers.v1 });
    expect((await listApprovals(`Bearer ${v1}`)).status).toBe(200);
    expect((await listApprovals(`Bearer ${await stack.personToken("approver", APPROVER_API.clientId)}`)).status).toBe(
      200,
    );

    const arm = await stack.personToken("approver", "https://management.azure.com/");
    expect((await listApprovals(`Bearer ${arm}`)).status).toBe(401);
    const idTokenResponse = await fetch(`${stack.identity.baseUrl}/admin/id-token`, {
      method: "POST",
      headers: { "X-IDENTITY-HEADER": stack.identity.identityHeader, "Content-Type": "application/json" },
      body: JSON.stringify({ objectId: PEOPLE.approver.objectId, clientId: APPROVER_API.clientId, nonce: "n1" }),
    });
    const { id_token } = (await idTokenResponse.json()) as { id_token: string };
    expect(decodeJwt(id_token)).toMatchObject({ aud: APPROVER_API.clientId, roles: PEOPLE.approver.roles });
    expect((await listApprovals(`Bearer ${id_token}`)).status).toBe(401);

    stack.identity.registerApi({ ...APPROVER_API, accessTokenVersion: 2 });
    try {
      const v2 = await stack.personToken("approver");
      expect(decodeJwt(v2)).toMatchObject({ ver: "2.0", aud: APPROVER_API.clientId, iss: stack.identity.issuers.v2 });
      expect((await listApprovals(`Bearer ${v2}`)).status).toBe(200);
    } finally {
      stack.identity.registerApi(APPROVER_API);
    }
  });

  it("waits for a person on a needs-approval image; an approver releases it and a consumer can pull", async () => {
    const reference = await pushImage("team/risky-app");
    const waiting = await stack.waitForStatus(reference, awaiting);
    const instanceId = String(waiting.instanceId);

    const list = await fetch(`${stack.devhost.url}/api/approvals`, {
      headers: { Authorization: `Bearer ${await stack.personToken("approver")}` },
    });
    expect(list.status).toBe(200);
    const pending = ((await list.json()) as { pending: Array<{ instanceId: string; verdict: { decision: string } }> })
      .pending;
    expect(pending.find((p) => p.instanceId === instanceId)?.verdict.decision).toBe("needsApproval");

    // Neither a spoofed platform header, nor no token, nor a person without the role may decide.
    const spoofed = Buffer.from(
      JSON.stringify({ userId: "x", userRoles: ["Quarantine.Approver", "Quarantine.Override"] }),
    ).toString("base64");
    expect(
      (await decide(null, instanceId, { approve: true, reason: "spoofed" }, { "x-ms-client-principal": spoofed }))
        .status,
    ).toBe(401);
    expect((await decide("viewer", instanceId, { approve: true, reason: "not mine to give" })).status).toBe(403);
    // Quarantine.Reader may look, never decide.
    expect((await decide("reader", instanceId, { approve: true, reason: "reading is not deciding" })).status).toBe(403);
    expect((await decide("approver", instanceId, { approve: "yes" })).status).toBe(400);
    expect((await stack.status(reference)).body.stage).toBe("awaiting-approval");

    const approved = await decide("approver", instanceId, {
      approve: true,
      reason: "zlib fix is scheduled; risk accepted",
    });
    expect(approved.status).toBe(202);
    const done = await stack.waitForStatus(reference, finished);
    expect((done.outcome as { result: string; decidedBy: string }).result).toBe("Passed");
    expect((done.outcome as { decidedBy: string }).decidedBy).toContain("Ada Approver");
    const pulled = await inspectRaw(`${stack.acr.loginServer}/team/risky-app:v1`, {
      certDir: stack.acr.certDir,
      creds: await stack.pullCreds(),
    });
    expect(pulled.code, pulled.stderr).toBe(0);
  });

  it("a rejection fails the image", async () => {
    const reference = await pushImage("team/risky-rejected");
    const waiting = await stack.waitForStatus(reference, awaiting);
    expect(
      (await decide("approver", String(waiting.instanceId), { approve: false, reason: "not without the fix" })).status,
    ).toBe(202);
    const done = await stack.waitForStatus(reference, finished);
    expect((done.outcome as { result: string }).result).toBe("Failed");
  });

  it("a missed approval deadline fails the image (APPROVAL_TIMEOUT_OUTCOME default), never passes it", async () => {
    const reference = await pushImage("team/risky-forgotten");
    const done = await stack.waitForStatus(reference, finished, 30_000);
    expect((done.outcome as { result: string; reason: string }).result).toBe("Failed");
    expect((done.outcome as { reason: string }).reason).toMatch(/no approval before/);
    const pulled = await inspectRaw(`${stack.acr.loginServer}/team/risky-forgotten:v1`, {
      certDir: stack.acr.certDir,
      creds: await stack.pullCreds(),
    });
    expect(pulled.code).not.toBe(0);
  });

  it("break-glass: releasing a failed image needs the override role and a justification, and is audited", async () => {
    const reference = await pushImage("team/vulnerable-hotfix");
    const failed = await stack.waitForStatus(reference, finished);
    expect((failed.outcome as { result: string }).result).toBe("Failed");
    const instanceId = String(failed.instanceId);
    expect((await decide("approver", instanceId, { approve: true, reason: "please" })).status).toBe(403);
    expect(
      (await decide("breakGlass", instanceId, { approve: true, reason: "outage", justification: "short" })).status,
    ).toBe(403);
    const override = await decide("breakGlass", instanceId, {
      approve: true,
      reason: "production outage",
      justification: "INC-4711: hotfix must ship; CVE not reachable",
    });
    expect(override.status).toBe(202);
    const pullCreds = await stack.pullCreds();
    const deadline = Date.now() + 30_000;
    let code = 1;
    while (Date.now() < deadline && code !== 0) {
      code = (
        await inspectRaw(`${stack.acr.loginServer}/team/vulnerable-hotfix:v1`, {
          certDir: stack.acr.certDir,
          creds: pullCreds,
        })
      ).code;
      if (code !== 0) await new Promise((r) => setTimeout(r, 250));
    }
    expect(code).toBe(0);
    const audited = await stack.waitForStatus(reference, (b) =>
      (b.timeline as Array<{ reason: string }>).some((r) => r.reason.includes("break-glass")),
    );
    expect(
      (audited.timeline as Array<{ actor: string; reason: string }>).find((r) => r.reason.includes("break-glass"))!
        .actor,
    ).toContain("Bo Override");
  });
});
