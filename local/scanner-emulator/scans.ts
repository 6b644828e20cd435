import { createHash, randomUUID } from "node:crypto";
import type { HarborArtifact, TrivyReportLike } from "./harbor-report.js";

/** What the emulated scanner finds for an artifact: a Trivy report, a failed scan, or a body served as it is. */
export type ScanOutcome = { trivy: TrivyReportLike } | { fail: string } | { body: string };

export interface ScanRecord {
  id: string;
  registryUrl: string;
  authorization: string;
  artifact: HarborArtifact;
  polls: number;
  outcome?: Promise<ScanOutcome>;
}

const MANIFEST_TYPES = [
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
];

/**
 * Pulls the manifest the way a scanner must before it can scan anything: from the registry the request names, with
 * the authorization it carries, checking the digest of what came back. A quarantined image only comes back for an
 * identity allowed to read quarantined images, so a wrong pull token fails the scan here, as it would in production.
 */
export async function pullManifest(scan: ScanRecord): Promise<string | undefined> {
  const url = `${scan.registryUrl.replace(/\/+$/, "")}/v2/${scan.artifact.repository}/manifests/${scan.artifact.digest}`;
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { Authorization: scan.authorization, Accept: MANIFEST_TYPES.join(", ") },
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    return `pulling ${scan.artifact.repository}@${scan.artifact.digest} failed: ${(error as Error).message}`;
  }
  const body = Buffer.from(await response.arrayBuffer());
  if (response.status !== 200)
    return `pulling ${scan.artifact.repository}@${scan.artifact.digest} failed: registry answered ${response.status}`;
  const digest = `sha256:${createHash("sha256").update(body).digest("hex")}`;
  return digest === scan.artifact.digest
    ? undefined
    : `pulled manifest has digest ${digest}, not ${scan.artifact.digest}`;
}

export class ScanStore {
  private readonly scans = new Map<string, ScanRecord>();
  private readonly maxScans: number;

  constructor(maxScans = 10_000) {
    this.maxScans = maxScans;
  }

  add(registryUrl: string, authorization: string, artifact: HarborArtifact): ScanRecord {
    // Oldest first out: an emulator left running must not grow without bound.
    if (this.scans.size >= this.maxScans) this.scans.delete(this.scans.keys().next().value as string);
    const scan: ScanRecord = { id: randomUUID(), registryUrl, authorization, artifact, polls: 0 };
    this.scans.set(scan.id, scan);
    return scan;
  }

  get(id: string): ScanRecord | undefined {
    return this.scans.get(id);
  }

  all(): ScanRecord[] {
    return [...this.scans.values()];
  }
}
