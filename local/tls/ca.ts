import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { access, readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { promisify } from "node:util";

import { ensurePrivateDir, makePrivate, withPrivateUmask } from "../fs/private-files.js";

const execFileAsync = promisify(execFile);
/** openssl under umask 077: the private keys it writes are 0600 from their first byte. */
const run = (command: string, args: string[]) => withPrivateUmask(() => execFileAsync(command, args));

/** A new P-256 key with no passphrase: what `openssl req` makes for the CA and for each server certificate. */
const NEW_P256_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

export interface LocalCa {
  dir: string;
  certPath: string;
  keyPath: string;
}

export interface ServerCertificate {
  certPath: string;
  keyPath: string;
  cert: string;
  key: string;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * The local stack's own certificate authority. Real ACR and ARM are HTTPS only, and the Azure SDK refuses to send
 * bearer tokens over plain HTTP, so the emulators serve TLS with certificates from this CA. OpenSSL does the
 * cryptography; this module only decides names and lifetimes. The CA's private key is 0600 in a 0700 folder, fixed on
 * every call when an older folder has wider modes.
 */
export async function ensureLocalCa(dir: string): Promise<LocalCa> {
  ensurePrivateDir(dir);
  const certPath = join(dir, "ca.pem");
  const keyPath = join(dir, "ca-key.pem");
  if (!(await exists(certPath)) || !(await exists(keyPath))) {
    await run("openssl", [
      "req",
      "-x509",
      ...NEW_P256_KEY,
      "-keyout",
      keyPath,
      "-out",
      certPath,
      "-days",
      "3650",
      "-subj",
      "/CN=ACR Quarantine Gate local CA",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ]);
  }
  makePrivate(keyPath);
  return { dir, certPath, keyPath };
}

/**
 * A server certificate for loopback names, signed by the local CA (created once per folder and reused). Its private key
 * is 0600 in a 0700 folder, like the CA's.
 */
export async function ensureServerCertificate(
  ca: LocalCa,
  dir: string,
  names: string[] = ["localhost", "127.0.0.1"],
): Promise<ServerCertificate> {
  const certPath = join(dir, "server.pem");
  const keyPath = join(dir, "server-key.pem");
  if (!(await exists(certPath)) || !(await exists(keyPath))) {
    // Several stacks may start at once on a fresh machine (parallel test files): each makes its pair in a folder of
    // its own and renames the folder into place, so no one ever reads one stack's key beside another's certificate.
    // The first rename wins; a later one finds the folder taken and uses the winner's pair.
    const staging = join(dirname(dir), `.${basename(dir)}.${process.pid}.${randomUUID()}`);
    ensurePrivateDir(staging);
    try {
      await issueServerCertificate(ca, staging, names);
      await rename(staging, dir).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== "ENOTEMPTY" && error.code !== "EEXIST") throw error;
      });
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }
  ensurePrivateDir(dir);
  makePrivate(keyPath);
  return { certPath, keyPath, cert: await readFile(certPath, "utf8"), key: await readFile(keyPath, "utf8") };
}

async function issueServerCertificate(ca: LocalCa, dir: string, names: string[]): Promise<void> {
  const certPath = join(dir, "server.pem");
  const keyPath = join(dir, "server-key.pem");
  const csrPath = join(dir, "server.csr");
  const extPath = join(dir, "server.ext");
  const san = names.map((n) => (/^\d+\.\d+\.\d+\.\d+$/.test(n) || n.includes(":") ? `IP:${n}` : `DNS:${n}`)).join(",");
  await run("openssl", ["req", "-new", ...NEW_P256_KEY, "-keyout", keyPath, "-out", csrPath, "-subj", "/CN=localhost"]);
  await writeFile(
    extPath,
    `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n`,
  );
  await run("openssl", [
    "x509",
    "-req",
    "-in",
    csrPath,
    "-CA",
    ca.certPath,
    "-CAkey",
    ca.keyPath,
    "-CAcreateserial",
    "-CAserial",
    join(dir, "ca.srl"),
    "-out",
    certPath,
    "-days",
    "825",
    "-extfile",
    extPath,
  ]);
}
