import { describe, expect, it } from "vitest";
import { AcrClient, AcrWriteNotConfirmedError } from "../../../src/acr/index.js";
import { decisionDetails, writeRegistryDecision } from "../../../src/pipeline/steps/write-registry-decision.js";
import type { RegistryDecisionRequest } from "../../../src/pipeline/contract/index.js";
import { SERVER, fakeCredential, fakeRegistry, manifestBody, type SeenRequest } from "../acr/fake-http.js";
import { verdict } from "./support/fixtures.js";

const DIGEST = `sha256:${"ab".repeat(32)}`;
const IMAGE = { loginServer: SERVER, repository: "team/app", digest: DIGEST };
const RELEASE: RegistryDecisionRequest = {
  image: IMAGE,
  state: "Passed",
  reason: "the policy passed every finding",
  verdict: verdict("pass", DIGEST),
  statusUrl: "https://gate.example/api/images/status?image=x",
};

/**
 * The real registry client over an in-memory registry that keeps one manifest's quarantine attributes: what a
 * delivery of the activity sends, and what the registry shows afterwards.
 */
function registry(initial: Record<string, unknown> = { quarantineState: "Quarantined" }, patchTakes = true) {
  let stored: Record<string, unknown> = { ...initial };
  const fake = fakeRegistry((request: SeenRequest) => {
    if (!request.url.pathname.endsWith(`/_manifests/${DIGEST}`)) return { status: 404 };
    if (request.method === "PATCH") {
      if (patchTakes) stored = { ...stored, ...(JSON.parse(request.body!) as Record<string, unknown>) };
      return { status: 200, body: manifestBody(DIGEST, stored) };
    }
    return { status: 200, body: manifestBody(DIGEST, stored) };
  });
  const acr = new AcrClient({
    credential: fakeCredential(),
    allowedRegistries: [SERVER],
    httpClient: fake.http,
    retry: { retryDelayMs: 1, maxRetryDelayMs: 2 },
  });
  const manifestCalls = () => fake.http.seen.filter((r) => r.url.pathname.includes("_manifests")).map((r) => r.method);
  return { acr, fake, manifestCalls, stored: () => stored, set: (v: Record<string, unknown>) => (stored = v) };
}

describe("writeRegistryDecision is idempotent: read first, PATCH only what differs", () => {
  it("writes a new decision once, and a second delivery of the same request sends no PATCH", async () => {
    const reg = registry();
    expect(await writeRegistryDecision({ acr: reg.acr }, RELEASE)).toEqual({ confirmedState: "Passed", written: true });
    expect(await writeRegistryDecision({ acr: reg.acr }, RELEASE)).toEqual({
      confirmedState: "Passed",
      written: false,
    });
    expect(reg.manifestCalls()).toEqual(["GET", "PATCH", "GET"]);
    expect(JSON.parse(reg.stored().quarantineDetails as string)).toEqual(decisionDetails(RELEASE));
    // One release token serves the read before and the PATCH.
    expect(reg.fake.issued.tokens).toBe(1);
  });

  it("builds the same details on every delivery (no clock in them)", () => {
    expect(decisionDetails(RELEASE)).toEqual(decisionDetails(structuredClone(RELEASE)));
  });

  it("treats details the registry re-encoded (other key order, whitespace) as the same", async () => {
    const details = decisionDetails(RELEASE);
    const reordered = Object.fromEntries(Object.entries(details).reverse());
    const reg = registry({ quarantineState: "Passed", quarantineDetails: JSON.stringify(reordered, null, 2) });
    expect(await writeRegistryDecision({ acr: reg.acr }, RELEASE)).toMatchObject({ written: false });
    expect(reg.manifestCalls()).toEqual(["GET"]);
  });

  it.each([
    ["the other state", { quarantineState: "Failed" }],
    ["the same state with other details", { quarantineState: "Passed", quarantineDetails: '{"state":"released: x"}' }],
    ["the same state without details", { quarantineState: "Passed" }],
    ["no state at all", {}],
  ])("writes when the registry shows %s", async (_, shown) => {
    const reg = registry(shown);
    expect(await writeRegistryDecision({ acr: reg.acr }, RELEASE)).toEqual({ confirmedState: "Passed", written: true });
    expect(reg.manifestCalls()).toEqual(["GET", "PATCH"]);
  });

  it("a Failed decision over a Passed image is written (the decision, not the state, is what repeats)", async () => {
    const reg = registry({ quarantineState: "Passed", quarantineDetails: JSON.stringify(decisionDetails(RELEASE)) });
    const fail: RegistryDecisionRequest = { ...RELEASE, state: "Failed", reason: "expired in quarantine" };
    expect(await writeRegistryDecision({ acr: reg.acr }, fail)).toEqual({ confirmedState: "Failed", written: true });
  });

  it("fails closed when the PATCH does not take: the read-back proves the outcome", async () => {
    const reg = registry({ quarantineState: "Quarantined" }, false);
    await expect(writeRegistryDecision({ acr: reg.acr }, RELEASE)).rejects.toBeInstanceOf(AcrWriteNotConfirmedError);
    expect(reg.stored().quarantineState).toBe("Quarantined");
  });

  it("a delivery after a crash that lost the PATCH's answer finds the decision written and sends nothing", async () => {
    const reg = registry();
    // The first delivery's PATCH reached the registry, but its host died before recording the result.
    reg.set({ quarantineState: "Passed", quarantineDetails: JSON.stringify(decisionDetails(RELEASE)) });
    expect(await writeRegistryDecision({ acr: reg.acr }, RELEASE)).toEqual({
      confirmedState: "Passed",
      written: false,
    });
    expect(reg.manifestCalls().filter((m) => m === "PATCH")).toHaveLength(0);
  });
});
