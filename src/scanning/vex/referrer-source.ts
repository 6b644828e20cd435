import { parseOpenVex, VexError, type ImageRef, type OpenVexDocument } from "../../policy/index.js";
import { parseEnvelope, verifyEnvelope, type DsseVerify } from "../../attest/dsse.js";
import { IN_TOTO_PAYLOAD, OPENVEX } from "../../attest/media-types.js";
import type { Descriptor } from "../../attest/oci-registry.js";
import { STATEMENT_TYPE } from "../../attest/statement.js";
import { ReferrerRegistryError } from "../../attest/errors.js";
import { VexSourceError, vexSourceError } from "./errors.js";
import type { ContainerVexDocument, VexDocumentProblem, VexSelection } from "./selection.js";

/**
 * OpenVEX documents attached to the image itself as OCI 1.1 referrers, in the layouts Trivy's `--vex oci` discovers
 * (trivy.dev docs v0.74, guide/supply-chain/vex/oci: "an OCI 1.1 referrer holding … a DSSE envelope or a bare in-toto
 * statement under the generic application/vnd.in-toto+json artifact type", the VEX one picked by its
 * `in-toto.io/predicate-type` annotation) and the plain document:
 * - unsigned: a referrer of artifactType application/vnd.openvex+json whose layer is the OpenVEX document;
 * - signed: a referrer of artifactType application/vnd.in-toto+json whose layer is a DSSE envelope (payloadType
 *   application/vnd.in-toto+json) of an in-toto Statement v1 with an OpenVEX predicate (predicateType
 *   https://openvex.dev/ns…, as `vexctl attest` writes it) whose subject is this image's digest, signed by a key of
 *   the trusted JWKS (VEX_REFERRER_KEYS).
 * Mode "signed" applies only the signed ones; "any" both. A referrer that cannot be read or does not hold what it
 * says is a problem, and any problem means no VEX at all (judge.ts): a document that cannot be read might be the one
 * that revokes a suppression. A signed one whose signature does not verify is not applied and is no problem (anyone
 * with push can attach one; it is not VEX this gate trusts).
 */
export type VexReferrerMode = "any" | "signed";

/** The registry reads this source needs (src/attest/oci-registry.ts provides them). */
export interface ReferrerReader {
  referrers(repository: string, subject: string, artifactType?: string): Promise<Descriptor[]>;
  manifest(repository: string, digest: string): Promise<Buffer>;
  blob(repository: string, digest: string, maxBytes?: number): Promise<Buffer>;
}

export interface VexReferrerOptions {
  mode: VexReferrerMode;
  registry: (loginServer: string) => ReferrerReader;
  /** Verifies DSSE signatures against the trusted VEX signers' keys (required for signed ones to count). */
  verify: DsseVerify | undefined;
  maxDocumentBytes?: number;
  maxReferrers?: number;
}

const OPENVEX_PREDICATE = /^https:\/\/openvex\.dev\/ns(\/|$)/;

export class VexReferrerSource {
  constructor(private readonly options: VexReferrerOptions) {}

  async forImage(image: ImageRef & { loginServer: string }): Promise<VexSelection> {
    const registry = this.options.registry(image.loginServer);
    const max = this.options.maxDocumentBytes ?? 1024 * 1024;
    const documents: ContainerVexDocument[] = [];
    const problems: VexDocumentProblem[] = [];
    let listed: Descriptor[];
    try {
      const signed = await registry.referrers(image.repository, image.digest, IN_TOTO_PAYLOAD);
      const plain =
        this.options.mode === "any" ? await registry.referrers(image.repository, image.digest, OPENVEX) : [];
      listed = [...plain, ...signed];
    } catch (error) {
      throw registryError(error, `listing the VEX referrers of ${image.repository}@${image.digest}`);
    }
    if (listed.length > (this.options.maxReferrers ?? 50)) {
      return {
        documents: [],
        problems: [
          {
            location: `oci://${image.loginServer}/${image.repository}@${image.digest}`,
            code: "vex-too-many-documents",
            message: `more than ${this.options.maxReferrers ?? 50} VEX referrers`,
          },
        ],
      };
    }
    for (const referrer of listed.sort((a, b) => (a.digest < b.digest ? -1 : 1))) {
      const location = `oci://${image.loginServer}/${image.repository}@${referrer.digest}`;
      try {
        const document = await this.read(registry, image, referrer, max);
        if (document) documents.push({ document, location });
      } catch (error) {
        if (error instanceof VexError)
          problems.push({ location, code: "vex-document-invalid", message: error.message });
        else throw registryError(error, `reading the VEX referrer ${location}`);
      }
    }
    return { documents, problems };
  }

  /** The referrer's OpenVEX document, or undefined when it is not one this source applies. */
  private async read(
    registry: ReferrerReader,
    image: ImageRef,
    referrer: Descriptor,
    max: number,
  ): Promise<OpenVexDocument | undefined> {
    const manifest = JSON.parse((await registry.manifest(image.repository, referrer.digest)).toString("utf8")) as {
      subject?: { digest?: string };
      layers?: Array<{ mediaType?: string; digest?: string; size?: number }>;
    };
    if (manifest.subject?.digest !== image.digest) return undefined;
    const layer = manifest.layers?.[0];
    if (!layer?.digest) throw new VexError("the VEX referrer has no layer", [], "vex-not-json");
    if ((layer.size ?? 0) > max)
      throw new VexError(`the VEX referrer's layer is over ${max} bytes`, [], "vex-not-json");
    const bytes = await registry.blob(image.repository, layer.digest, max);
    if (referrer.artifactType === OPENVEX) return parseOpenVex(bytes.toString("utf8"));
    // Signed: an in-toto attestation; only an OpenVEX one about this digest, with a trusted signature, counts.
    const predicateType = referrer.annotations?.["in-toto.io/predicate-type"];
    if (predicateType !== undefined && !OPENVEX_PREDICATE.test(predicateType)) return undefined;
    if (!this.options.verify) return undefined;
    let payload: Buffer;
    try {
      payload = await verifyEnvelope(parseEnvelope(bytes.toString("utf8")), IN_TOTO_PAYLOAD, this.options.verify);
    } catch {
      return undefined;
    }
    const statement = JSON.parse(payload.toString("utf8")) as {
      _type?: string;
      predicateType?: string;
      subject?: Array<{ digest?: { sha256?: string } }>;
      predicate?: unknown;
    };
    if (statement._type !== STATEMENT_TYPE || !OPENVEX_PREDICATE.test(statement.predicateType ?? "")) return undefined;
    const hex = image.digest.replace(/^sha256:/, "");
    if (!statement.subject?.some((s) => s?.digest?.sha256 === hex)) return undefined;
    return parseOpenVex(statement.predicate);
  }
}

/** A registry failure as a VexSourceError: by its status (as vexSourceError does for storage), else unreachable. */
function registryError(error: unknown, what: string): VexSourceError {
  if (!(error instanceof ReferrerRegistryError) || error.status === undefined) return vexSourceError(error, what);
  const status = error.status;
  const options = { status, cause: error, ...(error.upstreamCode ? { upstreamCode: error.upstreamCode } : {}) };
  const said = `${what}: ${error.message}`;
  if (status === 408 || status === 429 || status >= 500)
    return new VexSourceError("vex-source-unreachable", said, options);
  if (status === 401 || status === 403) return new VexSourceError("vex-source-forbidden", said, options);
  if (status === 404) return new VexSourceError("vex-source-not-found", said, options);
  return new VexSourceError("vex-source-failed", said, options);
}
