/** MIME types of the Harbor Pluggable Scanner API v1.1/v1.2 (shared/specs). */
export const HARBOR_MEDIA_TYPES = {
  metadata: "application/vnd.scanner.adapter.metadata+json; version=1.0",
  scanRequest: "application/vnd.scanner.adapter.scan.request+json; version=1.0",
  scanResponse: "application/vnd.scanner.adapter.scan.response+json; version=1.0",
  error: "application/vnd.scanner.adapter.error+json; version=1.0",
  vulnerabilityReport11: "application/vnd.security.vulnerability.report; version=1.1",
  harborReport10: "application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0",
  rawReport: "application/vnd.scanner.adapter.vuln.report.raw",
} as const;

/**
 * Report types the gate can read, best first. The raw report is last: it is whatever the scanner writes natively,
 * which the gate reads only if it is Trivy JSON or SARIF.
 */
export const READABLE_REPORT_TYPES: readonly string[] = [
  HARBOR_MEDIA_TYPES.vulnerabilityReport11,
  HARBOR_MEDIA_TYPES.harborReport10,
  HARBOR_MEDIA_TYPES.rawReport,
];

/** The OCI/Docker manifest types Harbor adapters consume; an image manifest of another type is not sent. */
export const SCANNABLE_MANIFEST_TYPES: readonly string[] = [
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
];

/** MIME types compare without parameter spacing differences ("a; version=1.1" = "a;version=1.1"). */
export function sameMediaType(a: string, b: string): boolean {
  const canonical = (value: string): string =>
    value
      .split(";")
      .map((part) => part.trim().toLowerCase())
      .join(";");
  return canonical(a) === canonical(b);
}
