import { parseEnvelope, verifyEnvelope, type DsseVerify } from "./dsse.js";
import { AttestationVerificationError } from "./errors.js";
import { DSSE_ENVELOPE, IN_TOTO_PAYLOAD } from "./media-types.js";
import type { OciRegistry } from "./oci-registry.js";
import { STATEMENT_TYPE, VSA_PREDICATE_TYPE, type DecisionStatement } from "./statement.js";

export interface VerifiedDecision {
  referrer: string;
  statement: DecisionStatement;
  result: "PASSED" | "FAILED";
}

export interface VerificationReport {
  /** The newest decision whose signature and subject check out, if any. */
  decision: VerifiedDecision | undefined;
  /** Why each other decision referrer was refused. */
  refused: Array<{ referrer: string; why: string }>;
}

/**
 * Finds and checks the gate's signed decisions for `repository@digest`: every referrer of artifactType
 * application/vnd.dsse.envelope.v1+json is read (manifest and blob, each checked against its digest); its manifest's
 * `subject` must be this digest; its envelope must verify against the gate's keys over the DSSE PAE; its payload must
 * be an in-toto Statement v1 with the VSA predicate whose subject is this image and digest. The newest valid decision
 * (timeVerified) counts. Nothing found is `decision: undefined`; the caller decides (the CLI fails).
 */
export async function verifyImageDecision(
  registry: OciRegistry,
  repository: string,
  digest: string,
  verify: DsseVerify,
): Promise<VerificationReport> {
  const referrers = await registry.referrers(repository, digest, DSSE_ENVELOPE);
  const valid: VerifiedDecision[] = [];
  const refused: VerificationReport["refused"] = [];
  for (const referrer of referrers) {
    try {
      valid.push(await checkDecisionReferrer(registry, repository, digest, referrer.digest, verify));
    } catch (error) {
      refused.push({ referrer: referrer.digest, why: (error as Error).message });
    }
  }
  valid.sort((a, b) => b.statement.predicate.timeVerified.localeCompare(a.statement.predicate.timeVerified));
  return { decision: valid[0], refused };
}

/**
 * Checks one decision referrer of `repository@digest` (see verifyImageDecision): its manifest and envelope, read and
 * checked against their digests; its `subject`; the signature against the keys; the statement's subject. Throws
 * AttestationVerificationError (or the registry's error) when any of it does not hold.
 */
export async function checkDecisionReferrer(
  registry: OciRegistry,
  repository: string,
  digest: string,
  referrer: string,
  verify: DsseVerify,
): Promise<VerifiedDecision> {
  const manifest = JSON.parse((await registry.manifest(repository, referrer)).toString("utf8")) as {
    subject?: { digest?: string };
    layers?: Array<{ mediaType?: string; digest?: string }>;
  };
  if (manifest.subject?.digest !== digest)
    throw new AttestationVerificationError(`its subject is ${String(manifest.subject?.digest)}, not ${digest}`);
  const layer = manifest.layers?.find((l) => l.mediaType === DSSE_ENVELOPE);
  if (!layer?.digest) throw new AttestationVerificationError("it has no DSSE envelope layer");
  const envelope = parseEnvelope((await registry.blob(repository, layer.digest)).toString("utf8"));
  const payload = await verifyEnvelope(envelope, IN_TOTO_PAYLOAD, verify);
  let statement: DecisionStatement;
  try {
    statement = JSON.parse(payload.toString("utf8")) as DecisionStatement;
  } catch {
    throw new AttestationVerificationError("the signed payload is not JSON");
  }
  if (statement?._type !== STATEMENT_TYPE || statement.predicateType !== VSA_PREDICATE_TYPE)
    throw new AttestationVerificationError("the signed payload is not an in-toto Statement v1 with a VSA predicate");
  const hex = digest.replace(/^sha256:/, "");
  const name = `${registry.loginServer}/${repository}`;
  if (!Array.isArray(statement.subject) || !statement.subject.some((s) => s?.digest?.sha256 === hex && s.name === name))
    throw new AttestationVerificationError(`the signed statement is about another image, not ${name}@${digest}`);
  const result = statement.predicate?.verificationResult;
  if (result !== "PASSED" && result !== "FAILED")
    throw new AttestationVerificationError(`the signed statement's verificationResult is ${JSON.stringify(result)}`);
  if (typeof statement.predicate.timeVerified !== "string")
    throw new AttestationVerificationError("the signed statement has no timeVerified");
  return { referrer, statement, result };
}
