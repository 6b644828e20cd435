import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { isGateError } from "../../src/errors/gate-error.js";
import { evaluatePolicy, parseOpenVex, parsePolicy, type PolicyDocument } from "../../src/policy/index.js";
import { judgeScanReport } from "../../src/scanning/judge.js";
import { detectFormat, normaliseReport, normaliseTrivyJson, ReportError } from "../../src/scanning/normalise/index.js";
import { projectRoot } from "../support/paths.js";
import { mutate, pathsOf, type Json } from "./mutations.js";
import { mayPass } from "./oracle.js";
import { Random } from "./random.js";

export const FUZZ_DIGEST = "sha256:" + "f".repeat(64);
export const FUZZ_IMAGE = { repository: "team-a/app", digest: FUZZ_DIGEST };

const fixtures = join(projectRoot, "test", "fixtures", "trivy");
const fixture = (name: string): Json => JSON.parse(readFileSync(join(fixtures, name), "utf8")) as Json;
type Obj = Record<string, Json>;

/** Everything of any known severity blocks, Unknown fails, secrets and misconfigurations count: only "nothing" passes. */
export const FUZZ_POLICY: PolicyDocument = parsePolicy({
  version: 1,
  defaultRule: {
    blockAt: "Negligible",
    requireApprovalAt: "none",
    ignoreUnfixed: false,
    unknownSeverity: "fail",
    autoRelease: true,
    unscannable: "needsApproval",
    secrets: "severity",
    misconfigurations: "severity",
  },
});

export interface Seed {
  name: string;
  document: Json;
}

/**
 * The real reports (test/fixtures/trivy) naming the judged image, the same with their findings taken out (clean, so
 * that mutations of identity and completeness are judged too), a Harbor report made from each, and a Trivy report
 * with a secret and misconfigurations.
 */
export function seeds(): Seed[] {
  const result: Seed[] = [];
  const trivyNames = readdirSync(fixtures).filter(
    (name) => name.endsWith(".json") && !name.endsWith(".sarif.json") && name !== "openvex.json",
  );
  for (const name of trivyNames.sort()) {
    const report = fixture(name) as Obj;
    report["Metadata"] = { ...(report["Metadata"] as Obj), RepoDigests: [`registry.example/app@${FUZZ_DIGEST}`] };
    result.push({ name, document: report });
    const clean = structuredClone(report);
    for (const item of clean["Results"] as Obj[]) delete item["Vulnerabilities"];
    result.push({ name: `${name} (clean)`, document: clean });
    const vulnerabilities = (report["Results"] as Obj[]).flatMap((item) =>
      ((item["Vulnerabilities"] as Obj[] | undefined) ?? []).map((v) => ({
        id: v["VulnerabilityID"] as Json,
        package: v["PkgName"] as Json,
        version: v["InstalledVersion"] as Json,
        fix_version: (v["FixedVersion"] as Json) ?? "",
        severity: String(v["Severity"]).charAt(0) + String(v["Severity"]).slice(1).toLowerCase(),
      })),
    );
    const harbor: Obj = {
      generated_at: "2025-01-01T00:00:00Z",
      artifact: { repository: FUZZ_IMAGE.repository, digest: FUZZ_DIGEST },
      scanner: { name: "Trivy", vendor: "Aqua Security", version: "0.50.0" },
      vulnerabilities,
    };
    result.push({ name: `${name} (as Harbor)`, document: harbor });
  }
  const sarif = fixture("alpine-310.sarif.json") as Obj;
  const run = (sarif["runs"] as Obj[])[0] as Obj;
  run["properties"] = { ...(run["properties"] as Obj), repoDigests: [`registry.example/app@${FUZZ_DIGEST}`] };
  result.push({ name: "alpine-310.sarif.json", document: sarif });
  const cleanSarif = structuredClone(sarif);
  ((cleanSarif["runs"] as Obj[])[0] as Obj)["results"] = [];
  ((cleanSarif["runs"] as Obj[])[0] as Obj)["invocations"] = [{ executionSuccessful: true }];
  result.push({ name: "alpine-310.sarif.json (clean)", document: cleanSarif });
  result.push({
    name: "secrets and misconfigurations",
    document: {
      SchemaVersion: 2,
      ArtifactName: `registry.example/app@${FUZZ_DIGEST}`,
      Results: [
        {
          Target: "/app/.env",
          Class: "secret",
          Secrets: [{ RuleID: "aws-access-key-id", Category: "AWS", Severity: "CRITICAL", Title: "AWS Access Key ID" }],
        },
        {
          Target: "Dockerfile",
          Class: "config",
          Misconfigurations: [
            { ID: "DS002", AVDID: "AVD-DS-0002", Severity: "HIGH", Status: "FAIL" },
            { ID: "DS001", AVDID: "AVD-DS-0001", Severity: "MEDIUM", Status: "PASS" },
          ],
        },
      ],
    },
  });
  return result;
}

export interface FuzzFigures {
  mutations: number;
  /** Trivy reports read both ways (the fast path for findings, and the full way only), and how often they differed. */
  bothWays: number;
  disagreements: number;
  /** Reports the gate refused with a ReportError (a typed outcome, judged fail). */
  typedErrors: number;
  untyped: number;
  failOpen: number;
  slow: number;
  passed: number;
  maxMs: number;
  /** Offending inputs, cut, for the failure message. */
  examples: string[];
}

function cut(body: string | Uint8Array): string {
  const text = typeof body === "string" ? body : Buffer.from(body).toString("utf8");
  const limit = process.env["FUZZ_DUMP"] ? 100_000 : 300;
  return text.length > limit ? `${text.slice(0, limit)}…` : text;
}

/** Judges `count` mutations of the seeds through judgeScanReport, against the oracle. */
export function fuzzReports(count: number, seed: number): FuzzFigures {
  const random = new Random(seed);
  const all = seeds().map((item) => ({ ...item, paths: pathsOf(item.document) }));
  const figures: FuzzFigures = {
    mutations: 0,
    bothWays: 0,
    disagreements: 0,
    typedErrors: 0,
    untyped: 0,
    failOpen: 0,
    slow: 0,
    passed: 0,
    maxMs: 0,
    examples: [],
  };
  for (let index = 0; index < count; index += 1) {
    const chosen = random.pick(all);
    const mutant = mutate(chosen.document, chosen.paths, random);
    figures.mutations += 1;
    const started = performance.now();
    try {
      const judged = judgeScanReport({
        report: mutant.body,
        image: FUZZ_IMAGE,
        policy: FUZZ_POLICY,
        now: "2025-06-01T00:00:00Z",
      });
      const elapsed = performance.now() - started;
      figures.maxMs = Math.max(figures.maxMs, elapsed);
      if (elapsed > 1000) {
        figures.slow += 1;
        figures.examples.push(`slow (${elapsed.toFixed(0)} ms) ${chosen.name} ${mutant.kinds.join("+")}`);
      }
      if (!judged.report.ok) figures.typedErrors += 1;
      if (judged.decision === "pass") {
        figures.passed += 1;
        if (!mayPass(mutant.body, FUZZ_DIGEST)) {
          figures.failOpen += 1;
          figures.examples.push(`fail-open ${chosen.name} ${mutant.kinds.join("+")}: ${cut(mutant.body)}`);
        }
      }
    } catch (error) {
      figures.maxMs = Math.max(figures.maxMs, performance.now() - started);
      figures.untyped += 1;
      figures.examples.push(`untyped ${chosen.name} ${mutant.kinds.join("+")}: ${String(error).slice(0, 200)}`);
    }
    const fast = bothWays(mutant.body);
    if (fast !== undefined) {
      figures.bothWays += 1;
      if (!fast) {
        figures.disagreements += 1;
        figures.examples.push(
          `fast and full reading disagree ${chosen.name} ${mutant.kinds.join("+")}: ${cut(mutant.body)}`,
        );
      }
    }
  }
  return figures;
}

function outcome(read: () => unknown): string {
  try {
    return JSON.stringify({ ok: true, value: read() });
  } catch (error) {
    return JSON.stringify({
      ok: false,
      error: error instanceof ReportError ? [error.code, error.message] : String(error),
    });
  }
}

/** For a Trivy report: whether the fast reading of findings and the full one give the same outcome. */
function bothWays(body: string | Uint8Array): boolean | undefined {
  let document: unknown;
  try {
    document = JSON.parse(typeof body === "string" ? body : Buffer.from(body).toString("utf8"));
  } catch {
    return undefined;
  }
  if (detectFormat(document) !== "trivy-json") return undefined;
  return outcome(() => normaliseTrivyJson(document)) === outcome(() => normaliseTrivyJson(document, { fast: false }));
}

export interface DocumentFuzzFigures {
  mutations: number;
  refused: number;
  untyped: number;
  examples: string[];
}

/**
 * Mutations of a policy document (the documented example) and of an OpenVEX document (Trivy's): loading them, and
 * judging with what loads, may only ever throw the folder's own GateErrors.
 */
export function fuzzDocuments(count: number, seed: number): DocumentFuzzFigures {
  const random = new Random(seed);
  const policy = JSON.parse(
    readFileSync(join(projectRoot, "test", "fixtures", "policy", "example.json"), "utf8"),
  ) as Json;
  const vex = fixture("openvex.json");
  const report = normaliseReport(readFileSync(join(fixtures, "gomod.json"), "utf8"));
  const targets = [
    { document: policy, paths: pathsOf(policy), load: (text: string) => ({ policy: parsePolicy(text) }) },
    {
      document: vex,
      paths: pathsOf(vex),
      load: (text: string) => ({ policy: parsePolicy({ version: 1, vex: [parseOpenVex(text)] }) }),
    },
  ];
  const figures: DocumentFuzzFigures = { mutations: 0, refused: 0, untyped: 0, examples: [] };
  for (let index = 0; index < count; index += 1) {
    const target = targets[index % targets.length]!;
    const mutant = mutate(target.document, target.paths, random);
    const text = typeof mutant.body === "string" ? mutant.body : Buffer.from(mutant.body).toString("utf8");
    figures.mutations += 1;
    try {
      const { policy: loaded } = target.load(text);
      for (const repository of ["team-a/api", "prod/x", "sandbox/y"]) {
        evaluatePolicy({
          policy: loaded,
          image: { repository, digest: FUZZ_DIGEST },
          report: { ok: true, report },
          now: "2025-03-01T00:00:00Z",
        });
      }
    } catch (error) {
      if (isGateError(error)) figures.refused += 1;
      else {
        figures.untyped += 1;
        figures.examples.push(`untyped ${mutant.kinds.join("+")}: ${String(error).slice(0, 200)} in ${cut(text)}`);
      }
    }
  }
  return figures;
}
