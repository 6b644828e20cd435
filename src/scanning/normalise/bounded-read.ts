import { ReportError } from "./errors.js";
import { DEFAULT_MAX_REPORT_BYTES } from "./detect.js";

/**
 * Reads a report body from a stream (an HTTP response, a blob download) and stops pulling chunks as soon as the
 * total passes the limit, so memory stays bounded by the limit however large the body is. A declared length above
 * the limit is refused before reading anything.
 */
export async function readBoundedBody(
  chunks: AsyncIterable<Uint8Array>,
  options: { maxBytes?: number; declaredLength?: number } = {},
): Promise<Uint8Array> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_REPORT_BYTES;
  if (options.declaredLength !== undefined && options.declaredLength > maxBytes) {
    throw new ReportError(
      "report-too-large",
      `The report declares ${options.declaredLength} bytes, more than the limit of ${maxBytes} bytes`,
    );
  }
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of chunks) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      throw new ReportError("report-too-large", `The report is more than the limit of ${maxBytes} bytes`);
    }
    parts.push(chunk);
  }
  return Buffer.concat(parts, total);
}
