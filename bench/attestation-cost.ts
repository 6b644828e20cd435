import { join } from "node:path";
import type { LocalStack } from "../local/stack/compose.js";
import { attestDecision, decisionIdOf, type AttestationContext } from "../src/attest/attest-decision.js";
import { FileKeySigner } from "../src/attest/file-key-signer.js";
import { OciRegistry } from "../src/attest/oci-registry.js";

const PRINCIPAL = "bench-attester";
const PASSWORD = "bench-attester-password";

/**
 * The extra cost of attesting one decision (src/attest/), measured apart from the pipeline so the figures are the
 * attestation's alone: the referrers-list read, the two blobs (a HEAD each, then an upload when new), the two
 * manifests, and the two releases (read + PATCH + read back) of the gate's own referrers, plus the ES256 signature.
 * Registry requests per image come from the emulator's stats; ms per image is the wall time of attestDecision.
 * The gate's webhook is off meanwhile (the referrers' own quarantine webhooks would start pipelines).
 */
export async function attestationCost(
  stack: LocalStack,
  count: number,
  push: (tag: string) => Promise<string>,
  repository: string,
  work: string,
  setGateWebhook: (status: "enabled" | "disabled") => Promise<void>,
): Promise<string> {
  await fetch(`${stack.acr.adminUrl}/principals/${PRINCIPAL}`, {
    method: "PUT",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ roles: ["AcrPush", "AcrQuarantineReader", "AcrQuarantineWriter"], password: PASSWORD }),
  });
  const tokens = new Map<string, string>();
  const token = async (repo: string): Promise<string> => {
    let t = tokens.get(repo);
    if (!t) {
      const scope = `repository:${repo}:pull,push,metadata_read,metadata_write`;
      const answer = await fetch(`${stack.acr.url}/oauth2/token?service=${stack.acr.loginServer}&scope=${scope}`, {
        headers: { Authorization: `Basic ${Buffer.from(`${PRINCIPAL}:${PASSWORD}`).toString("base64")}` },
      });
      t = ((await answer.json()) as { access_token: string }).access_token;
      tokens.set(repo, t);
    }
    return t;
  };
  const registry = new OciRegistry(stack.acr.loginServer, (repo) => token(repo));
  const signer = await new FileKeySigner(join(work, "bench-attestation", "key.pem")).init();
  const ctx: AttestationContext = {
    registry: () => registry,
    signer,
    verifierId: "urn:acr-quarantine-gate",
    gateVersion: "bench",
    policy: { version: "benchpolicy0", sha256: "0".repeat(64) },
    release: async (image, digest) => {
      const response = await fetch(`${stack.acr.url}/acr/v1/${image.repository}/_manifests/${digest}`, {
        method: "PATCH",
        headers: { Authorization: `Bearer ${await token(image.repository)}`, "Content-Type": "application/json" },
        body: JSON.stringify({ quarantineState: "Passed" }),
      });
      if (response.status !== 200) throw new Error(`release of ${digest} → ${response.status}`);
    },
  };
  await setGateWebhook("disabled");
  try {
    // Pushed while the gate's webhook is off: no pipeline of theirs adds registry requests to the figures.
    const digests: string[] = [];
    for (let i = 0; i < count; i++) digests.push(await push(`attest-${i}`));
    await token(repository);
    await fetch(`${stack.acr.adminUrl}/stats`, { method: "DELETE" });
    const times: number[] = [];
    for (const [i, digest] of digests.entries()) {
      const started = performance.now();
      await attestDecision(ctx, {
        image: { loginServer: stack.acr.loginServer, repository, digest },
        subject: { mediaType: "application/vnd.oci.image.manifest.v1+json", size: 500 },
        outcome: { result: "Passed", decidedBy: "policy", reason: "bench" },
        decisionId: decisionIdOf("bench", String(i)),
        at: new Date().toISOString(),
      });
      times.push(performance.now() - started);
    }
    const stats = (await (await fetch(`${stack.acr.adminUrl}/stats`)).json()) as Record<string, number>;
    const n = digests.length;
    const per = (key: string) => ((stats[key] ?? 0) / n).toFixed(2);
    const sorted = [...times].sort((a, b) => a - b);
    const p = (q: number) => sorted[Math.min(n - 1, Math.ceil(q * n) - 1)]!.toFixed(1);
    return (
      `  attestation per image (n=${n}, SARIF + signed VSA referrers, released): p50 ${p(0.5)} ms, p95 ${p(0.95)} ms; ` +
      `registry requests per image: v2 writes ${per("v2.write")} (blob uploads, 2 manifests), v2 reads ${per("v2.read")} ` +
      `(referrers list, blob HEADs), ACR PATCH ${per("acr.manifests.patch")}, ACR reads ${per("acr.manifests.get")}; ` +
      `the activity adds 1 v2 read (the subject manifest) and its release reads each referrer before the PATCH ` +
      `(ensureQuarantineState: +2 ACR reads)`
    );
  } finally {
    await setGateWebhook("enabled");
  }
}
