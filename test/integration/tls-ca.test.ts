import { X509Certificate, createPublicKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ensureLocalCa, ensureServerCertificate } from "../../local/tls/ca.js";
import { freshTempDir } from "../support/paths.js";

/**
 * Parallel test files start stacks at once on a fresh machine: the server certificate they share must come out as
 * one consistent pair (key matching certificate, signed by the CA), whoever wins.
 */
describe("the local CA's server certificates under concurrent stacks", () => {
  it("six concurrent first uses of one folder all get the same, consistent pair", async () => {
    const ca = await ensureLocalCa(freshTempDir("ca"));
    const dir = join(ca.dir, "server");
    const pairs = await Promise.all(Array.from({ length: 6 }, () => ensureServerCertificate(ca, dir)));
    expect(new Set(pairs.map((p) => p.cert)).size).toBe(1);
    expect(new Set(pairs.map((p) => p.key)).size).toBe(1);
    const certificate = new X509Certificate(pairs[0]!.cert);
    const fromKey = createPublicKey(pairs[0]!.key).export({ type: "spki", format: "der" });
    expect(certificate.publicKey.export({ type: "spki", format: "der" }).equals(fromKey)).toBe(true);
    expect(certificate.verify(new X509Certificate(readFileSync(ca.certPath)).publicKey)).toBe(true);
    // What is on disk is that pair.
    expect(readFileSync(join(dir, "server.pem"), "utf8")).toBe(pairs[0]!.cert);
  });
});
