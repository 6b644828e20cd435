/**
 * What a report may do at most, judged without the gate's code: written separately, deliberately simpler and more
 * suspicious. Under the fuzz policy (everything of any known severity blocks, Unknown fails, unscannable needs
 * approval) a report may pass only if nothing in it anywhere looks like a finding, it shows a completed scan, and every
 * place that names its image names the image being judged. The fuzz test counts a pass the oracle does not allow as
 * fail-open.
 */

/** encoding/json's case folding onto ASCII (golang/go src/encoding/json/fold.go), written again on purpose. */
function fold(key: string): string {
  let out = "";
  for (const char of key) {
    if (char === "\u017f") out += "S";
    else if (char === "\u212a") out += "K";
    else if (char >= "a" && char <= "z") out += char.toUpperCase();
    else out += char;
  }
  return out;
}

const FINDING_KEYS = new Set(["VULNERABILITYID", "RULEID", "PKGNAME", "AVDID"]);
/** Where a report names its image: Trivy RepoDigests and ArtifactName, SARIF repoDigests, Harbor artifact.digest. */
const IDENTITY_KEYS = new Set(["REPODIGESTS", "ARTIFACTNAME"]);
const NOT_A_PROBLEM = new Set(["PASS", "EXCEPTION"]);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Looks like a finding: names a vulnerability, a rule, a package or a check, and is not a check that passed. */
function findingLike(object: Record<string, unknown>): boolean {
  const keys = new Map(Object.keys(object).map((key) => [fold(key), object[key]]));
  const status = keys.get("STATUS");
  if (typeof status === "string" && NOT_A_PROBLEM.has(status) && keys.has("ID")) return false;
  if ([...keys.keys()].some((key) => FINDING_KEYS.has(key))) return true;
  return keys.has("ID") && (keys.has("SEVERITY") || keys.has("PACKAGE"));
}

const DIGEST_PREFIX = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:/i;
const WHOLE_DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/i;

/** A string in a place that names the image names this one: a digest (alone or after '@') must be this digest. */
function namesThisImage(text: string, digest: string): boolean {
  const at = text.lastIndexOf("@");
  if (at < 0) return !WHOLE_DIGEST.test(text) || text === digest;
  const named = text.slice(at + 1);
  return !DIGEST_PREFIX.test(named) || named === digest;
}

interface Walked {
  findings: number;
  failedRun: boolean;
  foreignIdentity: boolean;
}

function walk(root: unknown, digest: string): Walked {
  const result: Walked = { findings: 0, failedRun: false, foreignIdentity: false };
  const stack: { value: unknown; identity: boolean; artifact?: boolean }[] = [{ value: root, identity: false }];
  let steps = 0;
  while (stack.length > 0 && steps++ < 2_000_000) {
    const { value, identity, artifact } = stack.pop()!;
    if (typeof value === "string") {
      if (identity && !namesThisImage(value, digest)) result.foreignIdentity = true;
    } else if (Array.isArray(value)) {
      for (const item of value) stack.push({ value: item, identity });
    } else if (isObject(value)) {
      if (findingLike(value)) result.findings += 1;
      for (const [key, item] of Object.entries(value)) {
        const folded = fold(key);
        if (folded === "EXECUTIONSUCCESSFUL" && item !== true) result.failedRun = true;
        stack.push({
          value: item,
          identity: identity || IDENTITY_KEYS.has(folded) || (artifact === true && folded === "DIGEST"),
          artifact: folded === "ARTIFACT",
        });
      }
    } else if (identity && value !== null && value !== undefined) {
      // A number or boolean where an image name belongs is no name of this image.
      result.foreignIdentity = true;
    }
  }
  return result;
}

function keyed(object: Record<string, unknown>, name: string): unknown[] {
  return Object.keys(object)
    .filter((key) => fold(key) === name)
    .map((key) => object[key]);
}

/** A list, or null, which the formats' Go producers write for an empty list (docs/policy.md: null lists are empty). */
const listOrNull = (value: unknown): boolean => value === null || Array.isArray(value);

/** Whether the document shows a completed scan, per its format's own rules, read suspiciously. */
function completed(document: Record<string, unknown>): boolean {
  if (keyed(document, "SCHEMAVERSION").length > 0) {
    return keyed(document, "RESULTS").some((results) => Array.isArray(results) && results.length > 0);
  }
  const runs = document["runs"];
  if (Array.isArray(runs)) {
    return runs.length > 0 && runs.every((run) => isObject(run) && listOrNull(run["results"]));
  }
  return keyed(document, "VULNERABILITIES").some(listOrNull);
}

/** Whether the judged report may pass: false means a pass would be fail-open. */
export function mayPass(body: string | Uint8Array, digest: string): boolean {
  let document: unknown;
  try {
    const text = typeof body === "string" ? body : new TextDecoder("utf-8", { fatal: true }).decode(body);
    document = JSON.parse(text.replace(/^\ufeff/, ""));
  } catch {
    return false;
  }
  if (!isObject(document)) return false;
  const walked = walk(document, digest);
  return walked.findings === 0 && !walked.failedRun && !walked.foreignIdentity && completed(document);
}
