#!/usr/bin/env node
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { jwksVerifier, type Jwks } from "../attest/keys.js";
import { OciRegistry } from "../attest/oci-registry.js";
import { verifyImageDecision } from "../attest/verify-decision.js";
import { pullToken } from "./registry-login.js";

/**
 * `acr-quarantine-gate verify <loginServer>/<repository>@sha256:<hex>`: fetches the image's referrers, checks the
 * gate's signed decision (signature against the published keys, subject digest), prints it, and exits
 *   0 — a valid decision says PASSED;
 *   1 — a valid decision says FAILED;
 *   2 — no valid decision (missing, unsigned, tampered, for another digest);
 *   3 — usage, network or registry errors.
 * Keys: --jwks <https URL or file> or ACR_QUARANTINE_GATE_JWKS (the gate's /api/.well-known/acr-quarantine-gate/jwks.json).
 * Registry credentials: REGISTRY_USERNAME / REGISTRY_PASSWORD (a token or service principal with pull), or none.
 * Secrets are read from the environment only, never from arguments (they would show in process lists and CI logs).
 */
const USAGE =
  "usage: acr-quarantine-gate verify <loginServer>/<repository>@sha256:<hex> [--jwks <url|file>] [--json]\n" +
  "  env: ACR_QUARANTINE_GATE_JWKS, REGISTRY_USERNAME, REGISTRY_PASSWORD";

export async function main(
  argv: string[],
  env: NodeJS.ProcessEnv,
  out = console.log,
  err = console.error,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { jwks: { type: "string" }, json: { type: "boolean" }, help: { type: "boolean" } },
    });
  } catch (error) {
    err(`${(error as Error).message}\n${USAGE}`);
    return 3;
  }
  const [command, reference] = parsed.positionals;
  if (parsed.values.help || command !== "verify" || !reference) {
    err(USAGE);
    return 3;
  }
  const match =
    /^([a-z0-9.-]+(?::\d+)?)\/([a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)@(sha256:[a-f0-9]{64})$/.exec(
      reference,
    );
  if (!match) {
    err(`not an image reference by digest: ${reference.slice(0, 200)}\n${USAGE}`);
    return 3;
  }
  const [, server, repository, digest] = match as unknown as [string, string, string, string];
  const jwksSource = parsed.values.jwks ?? env.ACR_QUARANTINE_GATE_JWKS;
  if (!jwksSource) {
    err(`the gate's public keys are needed: --jwks or ACR_QUARANTINE_GATE_JWKS\n${USAGE}`);
    return 3;
  }
  try {
    const jwks = await loadJwks(jwksSource);
    const credentials =
      env.REGISTRY_USERNAME && env.REGISTRY_PASSWORD
        ? { username: env.REGISTRY_USERNAME, password: env.REGISTRY_PASSWORD }
        : undefined;
    let token: string | undefined;
    const registry = new OciRegistry(server, async (repo, _actions, refused) => {
      if (refused !== undefined || token === undefined) token = await pullToken(server, repo, credentials);
      return token;
    });
    const report = await verifyImageDecision(registry, repository, digest, jwksVerifier(jwks));
    for (const r of report.refused) err(`refused ${r.referrer}: ${r.why}`);
    if (!report.decision) {
      err(`no valid signed gate decision for ${server}/${repository}@${digest}`);
      return 2;
    }
    const { statement, result, referrer } = report.decision;
    const decision = statement.predicate.gateDecision;
    if (parsed.values.json) out(JSON.stringify({ result, referrer, statement }, null, 2));
    else
      out(
        `${result} ${server}/${repository}@${digest}\n` +
          `  decided by ${decision?.decidedBy ?? "?"}${decision?.override ? " (override)" : ""}: ${decision?.reason ?? ""}\n` +
          `  at ${statement.predicate.timeVerified} under policy ${statement.predicate.policy?.uri ?? "?"}\n` +
          `  verifier ${statement.predicate.verifier?.id ?? "?"} ${JSON.stringify(statement.predicate.verifier?.version ?? {})}\n` +
          `  signed decision ${referrer}`,
      );
    return result === "PASSED" ? 0 : 1;
  } catch (error) {
    err(`verify failed: ${(error as Error).message}`);
    return 3;
  }
}

async function loadJwks(source: string): Promise<Jwks> {
  let text: string;
  if (/^https?:\/\//.test(source)) {
    const url = new URL(source);
    if (url.protocol !== "https:" && url.hostname !== "localhost" && url.hostname !== "127.0.0.1")
      throw new Error("the JWKS URL must be https (plain http only on loopback)");
    const response = await fetch(url);
    if (response.status !== 200) throw new Error(`the JWKS URL answered HTTP ${response.status}`);
    text = await response.text();
  } else text = await readFile(source, "utf8");
  const jwks = JSON.parse(text) as Jwks;
  if (!Array.isArray(jwks?.keys) || jwks.keys.length === 0) throw new Error("the JWKS has no keys");
  return jwks;
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith("/acr-quarantine-gate")) {
  main(process.argv.slice(2), process.env).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(3);
    },
  );
}
