import type { ImageToScan, PullTokenSource } from "../pull-token.js";
import { HarborScannerClient, type ReportPoll } from "./client.js";
import { ScannerError } from "./errors.js";
import { HARBOR_MEDIA_TYPES, SCANNABLE_MANIFEST_TYPES, sameMediaType } from "./media-types.js";

const LOGIN_SERVER = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*(?::\d{1,5})?$/i;
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/**
 * Scans images of an Azure Container Registry with a Harbor scanner adapter: each scan request carries a pull token
 * for exactly the image's repository, so the adapter can read a quarantined image without holding registry secrets.
 */
export class HarborScanner {
  constructor(
    private readonly client: HarborScannerClient,
    private readonly tokens: PullTokenSource,
    /** The report type to ask for; chooseReportType(await client.metadata()) picks one the adapter produces. */
    private readonly reportType: string = HARBOR_MEDIA_TYPES.vulnerabilityReport11,
  ) {}

  async submit(image: ImageToScan): Promise<{ scanRequestId: string }> {
    if (!LOGIN_SERVER.test(image.loginServer))
      throw new ScannerError("scanner-rejected", `not a registry login server: ${JSON.stringify(image.loginServer)}`);
    if (!DIGEST.test(image.digest))
      throw new ScannerError("scanner-rejected", `not a digest: ${JSON.stringify(image.digest)}`);
    if (
      image.mediaType !== undefined &&
      !SCANNABLE_MANIFEST_TYPES.some((type) => sameMediaType(type, image.mediaType ?? ""))
    ) {
      // An image index (multi-platform) is not something Harbor adapters consume; its platform manifests are.
      throw new ScannerError(
        "scanner-incapable",
        `Harbor scanner adapters do not scan manifests of type ${image.mediaType}`,
      );
    }
    const token = await this.tokens.pullToken(image.loginServer, image.repository);
    const artifact: { repository: string; digest: string; tag?: string; mime_type?: string } = {
      repository: image.repository,
      digest: image.digest,
    };
    if (image.tag !== undefined) artifact.tag = image.tag;
    if (image.mediaType !== undefined) artifact.mime_type = image.mediaType;
    const scanRequestId = await this.client.submitScan({
      registry: { url: `https://${image.loginServer}`, authorization: `Bearer ${token}` },
      artifact,
    });
    return { scanRequestId };
  }

  poll(scanRequestId: string): Promise<ReportPoll> {
    return this.client.fetchReport(scanRequestId, this.reportType);
  }
}
