import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { statSync } from "node:fs";
import { callEmulatorAdmin } from "../../local/acr-emulator/admin-client.js";
import { startTestStack, type TestStack } from "../support/local-stack.js";
import { buildOciImage } from "../support/oci-image.js";
import { push } from "../support/skopeo.js";
import { freshTempDir, projectRoot } from "../support/paths.js";
import { OciRegistry } from "../../src/attest/oci-registry.js";
import { referrerManifest } from "../../src/attest/referrer-manifest.js";
import { DSSE_ENVELOPE, EMPTY_CONFIG_BYTES, OCI_EMPTY, SARIF } from "../../src/attest/media-types.js";
import { pullToken } from "../../src/cli/registry-login.js";

/**
 * The whole stack: skopeo pushes, the gate decides and attaches its scan report (SARIF) and signed decision (DSSE
 * in-toto VSA) as OCI referrers, and the verify CLI (a separate Node process, as `npx acr-quarantine-gate verify`
 * runs) checks them with the key the app publishes at its JWKS route.
 */
describe("signed gate decisions as OCI referrers, end to end", () => {
  let stack: TestStack;
  let keyFile: string;

  beforeAll(async () => {
    const stateDir = freshTempDir("stack");
    keyFile = join(stateDir, "attestation", "signing-key.pem");
    // The stack gives the gate's identity AcrPush besides its quarantine roles, as the infra does
    // (docs/attestations.md "Permissions"); the signing key turns attestations on.
    stack = await startTestStack({ stateDir, settings: { ATTESTATION_SIGNING_KEY_FILE: keyFile } });
  });
  afterAll(async () => stack?.stop());

  const done = (body: Record<string, unknown>) =>
    ["Completed", "Failed", "Terminated"].includes(String(body.runtimeStatus));

  async function gate(repository: string): Promise<{ reference: string; digest: string; outcome: string }> {
    const image = await buildOciImage(freshTempDir("img"));
    const pushed = await push(image.layoutRef, `${stack.acr.loginServer}/${repository}:v1`, {
      certDir: stack.acr.certDir,
      creds: stack.pushCreds,
    });
    expect(pushed.code, pushed.stderr).toBe(0);
    const reference = `${stack.acr.loginServer}/${repository}@${image.manifestDigest}`;
    const finished = await stack.waitForStatus(reference, done);
    return { reference, digest: image.manifestDigest, outcome: (finished.outcome as { result: string }).result };
  }

  async function verify(reference: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const creds = await stack.pullCreds();
    const split = creds.indexOf(":");
    const child = spawn(
      process.execPath,
      [join(projectRoot, "dist/src/cli/verify.js"), "verify", reference, "--jwks", jwksUrl()],
      {
        env: {
          PATH: process.env.PATH,
          NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS,
          REGISTRY_USERNAME: creds.slice(0, split),
          REGISTRY_PASSWORD: creds.slice(split + 1),
        },
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    return { code, stdout, stderr };
  }

  const jwksUrl = () => `${stack.devhost.url}/api/.well-known/acr-quarantine-gate/jwks.json`;

  /** The registry as a consumer with AcrPull (the credentials `az acr login` gives), or as the pusher. */
  async function registryAs(who: "consumer" | "pusher"): Promise<OciRegistry> {
    const creds = who === "consumer" ? await stack.pullCreds() : stack.pushCreds;
    const split = creds.indexOf(":");
    const credentials = { username: creds.slice(0, split), password: creds.slice(split + 1) };
    return new OciRegistry(stack.acr.loginServer, async (repository, actions) => {
      if (actions.includes("push")) {
        const token = await fetch(
          `${stack.acr.url}/oauth2/token?service=${stack.acr.loginServer}&scope=repository:${repository}:pull,push`,
          { headers: { Authorization: `Basic ${Buffer.from(creds).toString("base64")}` } },
        );
        return ((await token.json()) as { access_token: string }).access_token;
      }
      return pullToken(stack.acr.loginServer, repository, credentials);
    });
  }

  it("publishes the public key, created 0600 by the stack's gate", async () => {
    const response = await fetch(jwksUrl());
    expect(response.status).toBe(200);
    const jwks = (await response.json()) as { keys: Array<{ kty: string; crv: string; kid: string; d?: string }> };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256" });
    expect(jwks.keys[0]!.d).toBeUndefined();
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
  });

  let released: { reference: string; digest: string };
  let failed: { reference: string; digest: string };

  it("a released image: both referrers are listed and verify passes", async () => {
    const result = await gate("team/attested-clean");
    expect(result.outcome).toBe("Passed");
    released = result;
    const referrers = await (await registryAs("consumer")).referrers("team/attested-clean", result.digest);
    expect(referrers.map((r) => r.artifactType).sort()).toEqual([DSSE_ENVELOPE, SARIF].sort());

    const verified = await verify(result.reference);
    expect(verified.stderr).toBe("");
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/^PASSED /);
  });

  /** The pipeline a referrer's own `quarantine` webhook started, once it is done. */
  async function referrerPipeline(repository: string, digest: string): Promise<Record<string, unknown>> {
    return stack.waitForStatus(`${stack.acr.loginServer}/${repository}@${digest}`, done);
  }
  /** Whether the scan worker ever saw this digest (every scan request it takes is logged with its artifact). */
  const scanned = (digest: string) => (stack.scanWorker?.lines ?? []).some((line) => line.includes(digest));

  it("the released image's referrers are not scanned as images, and end Passed (pullable by consumers)", async () => {
    const repo = "team/attested-clean";
    const consumer = await registryAs("consumer");
    const referrers = await consumer.referrers(repo, released.digest);
    expect(referrers).toHaveLength(2);
    // The image itself was scanned (so the check below can fail).
    expect(scanned(released.digest)).toBe(true);
    for (const referrer of referrers) {
      const body = await referrerPipeline(repo, referrer.digest);
      const outcome = body.outcome as { result: string; reason: string; verdict?: unknown };
      // Either the attestation activity released it before its pipeline looked (already-decided), or the pipeline
      // verified it against the gate's key and released it itself.
      expect(["already-decided", "Passed"]).toContain(outcome.result);
      if (outcome.result === "Passed")
        expect(outcome.reason).toBe(`the gate's own signed attestation of ${released.digest}`);
      expect(outcome.verdict).toBeUndefined();
      expect(body.scanDeadline).toBeUndefined();
      expect(scanned(referrer.digest)).toBe(false);
      // Released: a consumer without quarantine read pulls it.
      expect((await consumer.manifest(repo, referrer.digest)).length).toBe(referrer.size);
    }
  });

  it("a Failed image: its decision verifies and says FAILED, so verify exits 1", async () => {
    const result = await gate("team/vulnerable-attested");
    expect(result.outcome).toBe("Failed");
    failed = result;
    const verified = await verify(result.reference);
    expect(verified.code, verified.stderr).toBe(1);
    expect(verified.stdout).toMatch(/^FAILED /);
  });

  it("refuses the released image's decision re-attached to the Failed image, and a one-byte change", async () => {
    const registry = await registryAs("pusher");
    const consumer = await registryAs("consumer");
    const [signed] = await consumer.referrers("team/attested-clean", released.digest, DSSE_ENVELOPE);
    const manifest = JSON.parse((await consumer.manifest("team/attested-clean", signed!.digest)).toString()) as {
      layers: Array<{ digest: string }>;
    };
    const envelope = (await consumer.blob("team/attested-clean", manifest.layers[0]!.digest)).toString();
    const subject = {
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      digest: failed.digest,
      size: (await consumer.manifest("team/vulnerable-attested", failed.digest).catch(() => Buffer.alloc(0))).length,
    };
    const repo = "team/vulnerable-attested";
    await registry.pushBlob(repo, EMPTY_CONFIG_BYTES, OCI_EMPTY);
    // (a) the PASSED decision of another digest, as is
    const moved = await registry.pushBlob(repo, envelope, DSSE_ENVELOPE);
    await registry.pushManifest(repo, referrerManifest(DSSE_ENVELOPE, moved, subject, {}));
    // (b) one byte of the signed payload changed
    const parsed = JSON.parse(envelope) as { payload: string };
    const payload = Buffer.from(parsed.payload, "base64");
    payload[payload.indexOf("PASSED")] = "Q".charCodeAt(0);
    const tampered = await registry.pushBlob(
      repo,
      JSON.stringify({ ...parsed, payload: payload.toString("base64") }),
      DSSE_ENVELOPE,
    );
    await registry.pushManifest(repo, referrerManifest(DSSE_ENVELOPE, tampered, subject, {}));
    // The consumer sees a referrer only once it is released (the emulator's rule for quarantined referrers), so the
    // forged ones are released here by a quarantine writer, after the gate's own pipelines for them (every pushed
    // manifest gets a quarantine webhook) have finished, so that nothing writes over the release.
    await callEmulatorAdmin(stack.acr.adminUrl, "PUT", "/principals/qa-writer", {
      roles: ["AcrQuarantineReader", "AcrQuarantineWriter"],
      password: "qa-writer-password",
    });
    const writerToken = async (): Promise<string> => {
      const answer = await fetch(
        `${stack.acr.url}/oauth2/token?service=${stack.acr.loginServer}&scope=repository:${repo}:pull,push,metadata_read,metadata_write`,
        { headers: { Authorization: `Basic ${Buffer.from("qa-writer:qa-writer-password").toString("base64")}` } },
      );
      return ((await answer.json()) as { access_token: string }).access_token;
    };
    const asWriter = new OciRegistry(stack.acr.loginServer, writerToken);
    const all = await asWriter.referrers(repo, failed.digest, DSSE_ENVELOPE);
    expect(all.length).toBe(3);
    // The gate's pipelines for the two forged referrers (the gate's artifactType, a signature or subject that does not
    // verify) leave them quarantined, unscanned; its own decision of the Failed image is released.
    const [own] = await consumer.referrers(repo, failed.digest, DSSE_ENVELOPE);
    const outcomes = new Map<string, { result: string; reason: string }>();
    for (const d of all) {
      const body = await referrerPipeline(repo, d.digest);
      outcomes.set(d.digest, body.outcome as { result: string; reason: string });
      expect(scanned(d.digest)).toBe(false);
    }
    const forgedOutcomes = all.filter((d) => d.digest !== own!.digest).map((d) => outcomes.get(d.digest)!);
    expect(forgedOutcomes.map((o) => o.result)).toEqual(["left-quarantined", "left-quarantined"]);
    for (const o of forgedOutcomes) expect(o.reason).toMatch(/^not an image: .*does not verify/);
    expect(["already-decided", "Passed"]).toContain(outcomes.get(own!.digest)!.result);
    // Still quarantined: a consumer lists only the gate's own decision, and cannot pull the forged ones.
    expect((await consumer.referrers(repo, failed.digest, DSSE_ENVELOPE)).map((d) => d.digest)).toEqual([own!.digest]);
    for (const d of all.filter((x) => x.digest !== own!.digest))
      await expect(consumer.manifest(repo, d.digest)).rejects.toMatchObject({ code: "ERR_ATTEST_REGISTRY" });
    for (const d of all) {
      const patched = await fetch(`${stack.acr.url}/acr/v1/${repo}/_manifests/${d.digest}`, {
        method: "PATCH",
        headers: { Authorization: `Bearer ${await writerToken()}`, "Content-Type": "application/json" },
        body: JSON.stringify({ quarantineState: "Passed" }),
      });
      expect(patched.status).toBe(200);
    }
    const verified = await verify(failed.reference);
    // The gate's own FAILED decision counts; the forged PASSED ones are listed and refused.
    expect(verified.code).toBe(1);
    expect(verified.stdout).toMatch(/^FAILED /);
    expect(verified.stderr).toMatch(/refused sha256:[0-9a-f]{64}: the signed statement is about another image/);
    expect(verified.stderr).toMatch(/refused sha256:[0-9a-f]{64}: no signature of the decision envelope verifies/);
  });

  it("exits 2 when an image has no signed decision", async () => {
    const consumer = await registryAs("consumer");
    const [report] = await consumer.referrers("team/attested-clean", released.digest, SARIF);
    // The SARIF referrer is itself a manifest without referrers of its own.
    const verified = await verify(`${stack.acr.loginServer}/team/attested-clean@${report!.digest}`);
    expect(verified.code).toBe(2);
    expect(verified.stderr).toMatch(/no valid signed gate decision/);
  });
});
