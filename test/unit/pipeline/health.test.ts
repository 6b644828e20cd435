import { describe, expect, it } from "vitest";
import { healthAnswer, unreachable, type HealthProbes } from "../../../src/http/health.js";
import { gatePolicy } from "../../../src/pipeline/gate-policy.js";
import { PolicyError } from "../../../src/policy/index.js";

const up = { reachable: true, httpStatus: 404 };
const loaded = { loaded: true as const, version: "abc123def456", warnings: 0 };
const probes = (
  storage: HealthProbes["storage"],
  registries: HealthProbes["registries"],
  policy: HealthProbes["policy"] = () => loaded,
): HealthProbes => ({ storage, registries, policy });

describe("/api/health's answer", () => {
  it("ok (200) when storage and every registry answer", async () => {
    const answer = await healthAnswer(
      probes(
        async () => up,
        async () => [{ loginServer: "contoso.azurecr.io", reachable: true, httpStatus: 401 }],
      ),
      "1.2.3",
    );
    expect(answer).toEqual({
      status: 200,
      jsonBody: {
        status: "ok",
        version: "1.2.3",
        storage: up,
        registries: [{ loginServer: "contoso.azurecr.io", reachable: true, httpStatus: 401 }],
        policy: loaded,
      },
    });
  });

  it("degraded (200) when the policy does not load: its error code and problem count, never its text", async () => {
    const answer = await healthAnswer(
      probes(
        async () => up,
        async () => [],
        () => {
          throw new PolicyError("The policy document is invalid", ["/repositories/0/match/0: secret-team/** is bad"]);
        },
      ),
      "1",
    );
    expect(answer.status).toBe(200);
    expect(answer.jsonBody).toMatchObject({
      status: "degraded",
      policy: { loaded: false, code: "policy-invalid", problems: 1 },
    });
    expect(JSON.stringify(answer.jsonBody)).not.toContain("secret-team");
  });

  it("degraded when the policy's remediation rules do not compile: refused at load, as the rest of the policy", async () => {
    const answer = await healthAnswer(
      probes(
        async () => up,
        async () => [],
        () => {
          const { version, warnings } = gatePolicy({
            version: 1,
            remediation: { repositories: [{ match: ["secret-team/**("] }] },
          });
          return { loaded: true, version, warnings: warnings.length };
        },
      ),
      "1",
    );
    expect(answer.jsonBody).toMatchObject({
      status: "degraded",
      policy: { loaded: false, code: "policy-invalid", problems: 1 },
    });
    expect(JSON.stringify(answer.jsonBody)).not.toContain("secret-team");
  });

  it("a policy with load warnings is still ok, and the answer counts them", async () => {
    const { version, warnings } = gatePolicy({
      version: 1,
      defaultRule: { blockAt: "High", requireApprovalAt: "Critical" },
    });
    expect(warnings).toHaveLength(1);
    const answer = await healthAnswer(
      probes(
        async () => up,
        async () => [],
        () => ({ loaded: true, version, warnings: warnings.length }),
      ),
      "1",
    );
    expect(answer.jsonBody).toMatchObject({ status: "ok", policy: { loaded: true, version, warnings: 1 } });
  });

  it("degraded (200) when a registry does not answer: webhooks are still taken", async () => {
    const answer = await healthAnswer(
      probes(
        async () => up,
        async () => [
          { loginServer: "a.azurecr.io", reachable: true, httpStatus: 401 },
          { loginServer: "b.azurecr.io", reachable: false, problem: "no answer" },
        ],
      ),
      "1",
    );
    expect(answer.status).toBe(200);
    expect(answer.jsonBody).toMatchObject({ status: "degraded" });
  });

  it("unavailable (503 + Retry-After) when storage does not answer; a probe that throws is unreachable, never a 500", async () => {
    const answer = await healthAnswer(
      probes(
        () => Promise.reject(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" })),
        () => Promise.reject(new Error("GATE_REGISTRIES is required")),
      ),
      "1",
    );
    expect(answer.status).toBe(503);
    expect(answer.headers).toEqual({ "Retry-After": "10" });
    expect(answer.jsonBody).toMatchObject({
      status: "unavailable",
      storage: { reachable: false, problem: "ECONNREFUSED" },
      registries: [{ loginServer: "(settings)", reachable: false, problem: "Error" }],
    });
  });

  it("says only an error's code or name, never its message (which may hold an endpoint or a key)", () => {
    const secret = "DefaultEndpointsProtocol=http;AccountKey=c2VjcmV0;";
    expect(unreachable(new Error(secret))).toEqual({ reachable: false, problem: "Error" });
    expect(JSON.stringify(unreachable(Object.assign(new Error(secret), { code: "ENOTFOUND" })))).not.toContain(
      "AccountKey",
    );
    expect(unreachable(Object.assign(new Error("x"), { name: "AbortError" }))).toEqual({
      reachable: false,
      problem: "timeout",
    });
  });
});
