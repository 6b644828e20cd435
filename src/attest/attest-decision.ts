import { createHash } from "node:crypto";
import type { ImageKey, PipelineOutcome } from "../pipeline/contract/index.js";
import { signEnvelope } from "./dsse.js";
import type { DecisionSigner } from "./keys.js";
import {
  ANNOTATION_CREATED,
  ANNOTATION_DECISION,
  DSSE_ENVELOPE,
  EMPTY_CONFIG_BYTES,
  IN_TOTO_PAYLOAD,
  OCI_EMPTY,
  SARIF,
} from "./media-types.js";
import { sha256Digest, type Descriptor, type OciRegistry } from "./oci-registry.js";
import { referrerManifest } from "./referrer-manifest.js";
import { verdictToSarif } from "./sarif.js";
import { decisionStatement } from "./statement.js";

export interface AttestationContext {
  registry: (loginServer: string) => OciRegistry;
  signer: DecisionSigner;
  verifierId: string;
  gateVersion: string;
  /** The full SHA-256 of the policy in force, and its short version (GateServices.policyVersion). */
  policy: { version: string; sha256: string };
  /** Marks the gate's own referrer manifest Passed, so that consumers without quarantine read can pull it. */
  release: (image: ImageKey, digest: string) => Promise<void>;
}

export interface DecisionToAttest {
  image: ImageKey;
  /** The subject manifest's media type and size (the subject descriptor); read by the caller. */
  subject: { mediaType: string; size: number };
  outcome: PipelineOutcome & { result: "Passed" | "Failed" };
  /** The decision's own identity (instance and decision time, or the break-glass request): the same on every delivery. */
  decisionId: string;
  at: string;
}

export interface AttestationResult {
  state: "attested" | "already-attested";
  report: string;
  decision: string;
  registryWrites: number;
}

/**
 * Pushes the two referrers of one decision: the scan report (SARIF) and the signed decision (DSSE envelope of the VSA
 * statement), each an OCI artifact manifest with the image as `subject`. Idempotent: the decision's id is an
 * annotation on both, and a decision whose signed referrer is already listed is not pushed again (ECDSA signatures
 * differ on every signing, so a second push would be a second referrer). The SARIF manifest is deterministic (built
 * from the decision alone), so its digest is known before it is pushed, and a repeat after a crash reuses it.
 *
 * Order: the SARIF blob, then the signed decision (which names the SARIF manifest's digest), then the SARIF manifest.
 * Every pushed manifest comes back to the gate as a `quarantine` webhook; when the SARIF manifest's arrives, the
 * decision that vouches for it is already listed, so the gate's inspection recognises it (src/attest/own-referrer.ts).
 */
export async function attestDecision(ctx: AttestationContext, decision: DecisionToAttest): Promise<AttestationResult> {
  const { image } = decision;
  const registry = ctx.registry(image.loginServer);
  const repo = image.repository;
  const existing = await registry.referrers(repo, image.digest, DSSE_ENVELOPE);
  const mine = existing.find((d) => d.annotations?.[ANNOTATION_DECISION] === decision.decisionId);
  const subject: Descriptor = {
    mediaType: decision.subject.mediaType,
    digest: image.digest,
    size: decision.subject.size,
  };
  const annotations = { [ANNOTATION_CREATED]: decision.at, [ANNOTATION_DECISION]: decision.decisionId };

  const sarif = JSON.stringify(
    verdictToSarif(decision.outcome.verdict, { image: `${image.loginServer}/${repo}`, digest: image.digest }),
  );
  await registry.pushBlob(repo, EMPTY_CONFIG_BYTES, OCI_EMPTY);
  const sarifBlob = await registry.pushBlob(repo, sarif, SARIF);
  const sarifManifest = referrerManifest(SARIF, sarifBlob, subject, annotations);
  const sarifDigest = sha256Digest(sarifManifest);
  // HEAD-or-upload of two blobs counts as one write each.
  let writes = 2;

  let signedDigest: string;
  if (mine) {
    signedDigest = mine.digest;
  } else {
    const statement = decisionStatement({
      loginServer: image.loginServer,
      repository: repo,
      digest: image.digest,
      outcome: decision.outcome,
      verifierId: ctx.verifierId,
      gateVersion: ctx.gateVersion,
      at: decision.at,
      policy: {
        version: decision.outcome.verdict?.policyVersion ?? ctx.policy.version,
        // The full digest only when the verdict was made under the policy in force now (its short version matches).
        ...((decision.outcome.verdict?.policyVersion ?? ctx.policy.version) === ctx.policy.version
          ? { sha256: ctx.policy.sha256 }
          : {}),
      },
      report: {
        uri: `oci://${image.loginServer}/${repo}@${sarifDigest}`,
        sha256: sarifBlob.digest.replace(/^sha256:/, ""),
        mediaType: SARIF,
      },
    });
    const envelope = await signEnvelope(IN_TOTO_PAYLOAD, Buffer.from(JSON.stringify(statement), "utf8"), ctx.signer);
    const envelopeBlob = await registry.pushBlob(repo, JSON.stringify(envelope), DSSE_ENVELOPE);
    const signed = await registry.pushManifest(
      repo,
      referrerManifest(DSSE_ENVELOPE, envelopeBlob, subject, annotations),
    );
    await ctx.release(image, signed.descriptor.digest);
    signedDigest = signed.descriptor.digest;
    writes += 3; // the envelope blob, the manifest, the release
  }

  const report = await registry.pushManifest(repo, sarifManifest);
  await ctx.release(image, report.descriptor.digest);
  writes += 2; // the manifest, the release
  return {
    state: mine ? "already-attested" : "attested",
    report: report.descriptor.digest,
    decision: signedDigest,
    registryWrites: writes,
  };
}

/** A decision's id from what makes it one event (the same on every delivery of the activity). */
export function decisionIdOf(scope: string, identity: string): string {
  return createHash("sha256").update(`${scope}\u0000${identity}`).digest("hex").slice(0, 32);
}
