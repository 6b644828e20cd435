import { Ajv } from "ajv";
import { isDigest, type Digest, type LoginServer, type RepositoryName } from "./names.js";
import { decodeQuarantineDetails, type QuarantineDetails } from "./quarantine-details.js";

/** The states this app writes. */
export type QuarantineVerdictState = "Passed" | "Failed";

/**
 * What a state means for the gate. Only `Passed` releases; `Failed` is a decision; anything else — the emulator's
 * "Quarantined", a string ACR may use instead (unconfirmed, acr-protocol.md §2.5), or no state at all — is pending.
 */
export type QuarantineStatus = "released" | "failed" | "pending";

export function quarantineStatus(state: string | undefined): QuarantineStatus {
  return state === "Passed" ? "released" : state === "Failed" ? "failed" : "pending";
}

export interface ManifestReference {
  digest: string;
  architecture?: string;
  os?: string;
}

export interface QuarantineInfo {
  /** The raw quarantineState, undefined when the registry reports none. */
  state: string | undefined;
  status: QuarantineStatus;
  /** quarantineDetails as the registry stores it (a JSON string). */
  rawDetails: string | undefined;
  /** The parsed details, when they are JSON matching ACR's schema. */
  details: QuarantineDetails | undefined;
  /** Why rawDetails could not be parsed, if it could not. */
  detailsProblems: string[];
}

/** One manifest's attributes as GET /acr/v1/{repo}/_manifests/{digest} and the manifest list report them. */
export interface ManifestAttributes {
  registry: LoginServer;
  repository: RepositoryName;
  digest: Digest;
  mediaType: string | undefined;
  /**
   * The config's media type, as the registry reports it (`configMediaType`, data-plane spec 2021-07-01
   * ManifestAttributesBase, acr-protocol.md §2.4); an image has an image config, an OCI artifact usually the empty
   * config `application/vnd.oci.empty.v1+json` or its own type. Absent for an index, or when the registry omits it.
   */
  configMediaType?: string;
  imageSize: number | undefined;
  createdTime: string;
  lastUpdateTime: string;
  tags: string[];
  architecture: string | undefined;
  os: string | undefined;
  /** The manifests of an index / manifest list; empty for an image. */
  references: ManifestReference[];
  changeableAttributes: {
    deleteEnabled?: boolean;
    writeEnabled?: boolean;
    readEnabled?: boolean;
    listEnabled?: boolean;
  };
  quarantine: QuarantineInfo;
}

const optionalString = { type: ["string", "null"] };
/** What this client relies on in a manifest (acr-protocol.md §2.4); other fields are allowed and ignored. */
const manifestSchema = {
  type: "object",
  required: ["digest", "createdTime", "lastUpdateTime"],
  properties: {
    digest: { type: "string" },
    createdTime: { type: "string" },
    lastUpdateTime: { type: "string" },
    mediaType: optionalString,
    configMediaType: optionalString,
    imageSize: { type: ["integer", "null"], minimum: 0 },
    architecture: optionalString,
    os: optionalString,
    tags: { type: ["array", "null"], items: { type: "string" } },
    references: {
      type: ["array", "null"],
      items: {
        type: "object",
        required: ["digest"],
        properties: { digest: { type: "string" }, architecture: optionalString, os: optionalString },
      },
    },
    changeableAttributes: {
      type: ["object", "null"],
      properties: { quarantineState: optionalString, quarantineDetails: optionalString },
    },
  },
} as const;

interface WireManifest {
  digest: string;
  createdTime: string;
  lastUpdateTime: string;
  mediaType?: string | null;
  configMediaType?: string | null;
  imageSize?: number | null;
  architecture?: string | null;
  os?: string | null;
  tags?: string[] | null;
  references?: Array<{ digest: string; architecture?: string | null; os?: string | null }> | null;
  changeableAttributes?:
    (Record<string, unknown> & { quarantineState?: string | null; quarantineDetails?: string | null }) | null;
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validateSingle = ajv.compile<{ manifest: WireManifest }>({
  type: "object",
  required: ["manifest"],
  properties: { manifest: manifestSchema },
});
const validateList = ajv.compile<{ manifests?: WireManifest[] | null }>({
  type: "object",
  properties: { manifests: { type: ["array", "null"], items: manifestSchema } },
});
const validateCatalog = ajv.compile<{ repositories?: string[] | null }>({
  type: "object",
  properties: { repositories: { type: ["array", "null"], items: { type: "string" } } },
});

function problems(errors: typeof validateSingle.errors): string {
  return (errors ?? [])
    .slice(0, 5)
    .map((e) => `${e.instancePath || "(body)"} ${e.message ?? "is invalid"}`)
    .join("; ");
}

function flag(value: unknown): boolean | undefined {
  return typeof value === "boolean" ? value : undefined;
}

function toAttributes(
  registry: LoginServer,
  repository: RepositoryName,
  wire: WireManifest,
): ManifestAttributes | string {
  if (!isDigest(wire.digest))
    return `manifest digest ${JSON.stringify(wire.digest.slice(0, 80))} is not a valid digest`;
  const changeable = wire.changeableAttributes ?? {};
  const state = changeable.quarantineState ?? undefined;
  const rawDetails = changeable.quarantineDetails ?? undefined;
  const decoded = decodeQuarantineDetails(rawDetails);
  return {
    registry,
    repository,
    digest: wire.digest,
    mediaType: wire.mediaType ?? undefined,
    ...(wire.configMediaType ? { configMediaType: wire.configMediaType } : {}),
    imageSize: wire.imageSize ?? undefined,
    createdTime: wire.createdTime,
    lastUpdateTime: wire.lastUpdateTime,
    tags: wire.tags ?? [],
    architecture: wire.architecture ?? undefined,
    os: wire.os ?? undefined,
    references: (wire.references ?? []).map((r) => ({
      digest: r.digest,
      ...(r.architecture ? { architecture: r.architecture } : {}),
      ...(r.os ? { os: r.os } : {}),
    })),
    changeableAttributes: {
      deleteEnabled: flag(changeable.deleteEnabled),
      writeEnabled: flag(changeable.writeEnabled),
      readEnabled: flag(changeable.readEnabled),
      listEnabled: flag(changeable.listEnabled),
    },
    quarantine: {
      state,
      status: quarantineStatus(state),
      rawDetails,
      details: decoded.details,
      detailsProblems: decoded.problems,
    },
  };
}

/** `{registry, imageName, manifest:{…}}` → attributes, or a description of what is wrong with the body. */
export function parseManifestBody(
  registry: LoginServer,
  repository: RepositoryName,
  body: unknown,
): ManifestAttributes | string {
  if (!validateSingle(body)) return problems(validateSingle.errors);
  return toAttributes(registry, repository, body.manifest);
}

/** `{registry, imageName, manifests:[…]}` → attributes of one page, or a description of what is wrong. */
export function parseManifestPage(
  registry: LoginServer,
  repository: RepositoryName,
  body: unknown,
): ManifestAttributes[] | string {
  if (!validateList(body)) return problems(validateList.errors);
  const parsed: ManifestAttributes[] = [];
  for (const wire of body.manifests ?? []) {
    const attributes = toAttributes(registry, repository, wire);
    if (typeof attributes === "string") return attributes;
    parsed.push(attributes);
  }
  return parsed;
}

/** `{repositories:[…]}` → names, or a description of what is wrong. */
export function parseCatalogPage(body: unknown): string[] | string {
  if (!validateCatalog(body)) return problems(validateCatalog.errors);
  return body.repositories ?? [];
}
