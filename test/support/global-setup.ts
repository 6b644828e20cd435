import { ensureLocalCa } from "../../local/tls/ca.js";
import { localStateRoot } from "./paths.js";

/**
 * Runs once before any test worker starts. The local stack's CA must be trusted by every Node process the tests
 * start, and Node reads NODE_EXTRA_CA_CERTS only at start-up, so it is set here, before the workers are forked.
 */
export default async function setup(): Promise<void> {
  const ca = await ensureLocalCa(localStateRoot("tls"));
  process.env.NODE_EXTRA_CA_CERTS = ca.certPath;
}
