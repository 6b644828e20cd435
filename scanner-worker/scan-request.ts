import { Ajv } from "ajv";
import {
  decodeQueueMessage,
  SCAN_REQUEST_TYPE,
  scanRequestMessageSchema,
  type ScanRequestMessage,
} from "../src/scanning/queue/message.js";
import { ScanRequestInvalid } from "./errors.js";

// The product's own schema for the message the gate's dispatcher writes (src/scanning/queue/message.ts): the worker
// reads exactly what the gate promises, no second definition.
const validateMessage = new Ajv({ strict: true, allErrors: false }).compile<ScanRequestMessage>(
  scanRequestMessageSchema,
);

const DIGEST = /^sha256:[a-f0-9]{64}$/;
// Repository names per the OCI distribution spec (lower-case path components with separators).
const REPOSITORY = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
// A registry host, with an optional port; never something Trivy could read as a flag.
const LOGIN_SERVER = /^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::\d{1,5})?$/;
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** What the worker does with one request, once it has been checked. */
export interface CheckedScanRequest {
  message: ScanRequestMessage;
  /** `<loginServer>/<repository>@<digest>`: what Trivy is asked to scan. */
  imageReference: string;
  /** The pull token without its scheme (Trivy's --registry-token takes the bare token); undefined when none came. */
  pullToken: string | undefined;
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/** https, or plain http to loopback only (the local stack's Functions host), the dispatcher's own rule. */
function safeForSecrets(url: URL): boolean {
  return url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK.has(url.hostname));
}

/**
 * Decodes and checks a queue message. Throws ScanRequestInvalid for anything the worker will not act on; its `kind`
 * says whether the callback can still be told (only for unsafe-request, never when the callback is the problem).
 */
export function checkScanRequest(messageText: string): CheckedScanRequest {
  let decoded: unknown;
  try {
    decoded = decodeQueueMessage(messageText);
  } catch (error) {
    throw new ScanRequestInvalid("the message is not base64 or JSON", "malformed", undefined, { cause: error });
  }
  if (!validateMessage(decoded)) {
    const first = validateMessage.errors?.[0];
    const type = (decoded as { type?: unknown } | null)?.type;
    const what = type === SCAN_REQUEST_TYPE ? "a scan request of an unknown shape" : "not a scan request";
    throw new ScanRequestInvalid(
      `the message is ${what} (${first?.instancePath || "/"} ${first?.message ?? ""})`,
      "malformed",
    );
  }
  const message = decoded;
  const callbackUrl = parseUrl(message.callback.url);
  if (!callbackUrl || !safeForSecrets(callbackUrl) || message.callback.token.length === 0)
    throw new ScanRequestInvalid("the callback URL is not https: its token is not sent there", "unsafe-callback");
  const { image } = message;
  if (!LOGIN_SERVER.test(image.loginServer) || !REPOSITORY.test(image.repository) || !DIGEST.test(image.digest))
    throw new ScanRequestInvalid(
      `the image ${JSON.stringify(`${image.loginServer}/${image.repository}@${image.digest}`)} is not a valid reference`,
      "unsafe-request",
      message,
    );
  let pullToken: string | undefined;
  if (message.registry) {
    const registryUrl = parseUrl(message.registry.url);
    // The pull token goes to the image's own registry and nowhere else: Trivy sends it to the host it pulls from.
    if (!registryUrl || registryUrl.protocol !== "https:" || registryUrl.host !== image.loginServer)
      throw new ScanRequestInvalid(
        `the pull token is for ${message.registry.url}, not for the image's registry https://${image.loginServer}`,
        "unsafe-request",
        message,
      );
    const bearer = /^Bearer\s+(\S+)$/i.exec(message.registry.authorization.trim());
    if (!bearer)
      throw new ScanRequestInvalid("the registry authorization is not a bearer token", "unsafe-request", message);
    pullToken = bearer[1];
  }
  return { message, imageReference: `${image.loginServer}/${image.repository}@${image.digest}`, pullToken };
}
