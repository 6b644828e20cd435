/**
 * npm run bench:policy — what judging costs, next to the floor: JSON.parse of the same body.
 *
 * 1. A 5,000-finding Trivy JSON report (4.8 MiB) judged by judgeScanReport (detect, normalise with the producer's key
 *    matching, identity, evaluate with 20 repository rules, 200 exceptions and 100 VEX statements, the compact
 *    judgement). Targets: ≤ 1.3× JSON.parse at p50 and ≤ 1.5× at p95, measured in the same run and process,
 *    interleaved sample by sample (alternating which goes first), so that both see the same machine load and heap.
 * 2. The largest policy the schema allows (1,000 repository entries of 100 globs, 10,000 exceptions): loading it once,
 *    and judging an image whose repository matches only the last glob (its rule not yet cached), and again (cached).
 * 3. A SARIF log with 60,000 rules and 60,000 results whose ruleIndex does not help (lookup by id).
 *
 * The exit code does not depend on speed (a loaded two-core machine moves these figures); it is non-zero only when
 * the run itself went wrong (not every finding judged).
 */
import { performance } from "node:perf_hooks";
import { parseOpenVex, parsePolicy, type PolicyDocument } from "../src/policy/index.js";
import { judgeScanReport, type Judgement } from "../src/scanning/judge.js";

const FINDINGS = 5_000;
const RUNS = 150;
const WARMUP = 10;
const DIGEST = "sha256:" + "c".repeat(64);
const NOW = "2025-06-01T00:00:00Z";

/** Deterministic pseudo-random numbers (mulberry32), so every run benchmarks the same report. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEVERITIES = ["CRITICAL", "HIGH", "MEDIUM", "MEDIUM", "LOW", "LOW", "LOW", "UNKNOWN"];
const cveId = (index: number): string => `CVE-20${String(10 + (index % 15))}-${String(10000 + index)}`;

/** A Trivy JSON report shaped like real ones: descriptions, references, CVSS, purls, spread over 10 targets. */
function trivyReport(): string {
  const next = random(42);
  const results = Array.from({ length: 10 }, (_, target) => ({
    Target: target === 0 ? "registry.example/app (debian 12.5)" : `app/lib${target}/package-lock.json`,
    Class: target === 0 ? "os-pkgs" : "lang-pkgs",
    Type: target === 0 ? "debian" : "npm",
    Vulnerabilities: [] as object[],
  }));
  for (let index = 0; index < FINDINGS; index += 1) {
    const result = results[index % results.length]!;
    const name = `package-${index % 700}`;
    const version = `1.${index % 13}.${index % 7}`;
    const fixed = next() < 0.6;
    const score = Math.round(next() * 100) / 10;
    result.Vulnerabilities.push({
      VulnerabilityID: cveId(index),
      PkgID: `${name}@${version}`,
      PkgName: name,
      PkgIdentifier: {
        PURL: `pkg:${result.Type === "debian" ? "deb/debian" : "npm"}/${name}@${version}`,
        UID: index.toString(16),
      },
      InstalledVersion: version,
      ...(fixed ? { FixedVersion: `1.${index % 13}.${(index % 7) + 1}`, Status: "fixed" } : { Status: "affected" }),
      SeveritySource: "nvd",
      PrimaryURL: `https://avd.aquasec.com/nvd/${cveId(index).toLowerCase()}`,
      Title: `${name}: a synthetic vulnerability number ${index} for benchmarking`,
      Description: `A flaw was found in ${name} ${version}. `.repeat(6),
      Severity: SEVERITIES[Math.floor(next() * SEVERITIES.length)],
      CweIDs: ["CWE-787"],
      VendorSeverity: { nvd: 3, redhat: 2 },
      CVSS: { nvd: { V3Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", V3Score: score } },
      References: [
        `https://nvd.nist.gov/vuln/detail/${cveId(index)}`,
        `https://security-tracker.debian.org/tracker/${cveId(index)}`,
      ],
      PublishedDate: "2023-01-01T00:00:00Z",
      LastModifiedDate: "2024-01-01T00:00:00Z",
    });
  }
  return JSON.stringify({
    SchemaVersion: 2,
    ArtifactName: "registry.example/app:1.0",
    ArtifactType: "container_image",
    Metadata: { RepoDigests: [`registry.example/app@${DIGEST}`] },
    Results: results,
  });
}

const vex = parseOpenVex({
  "@context": "https://openvex.dev/ns/v0.2.0",
  "@id": "https://example.com/vex/bench",
  author: "bench",
  timestamp: "2024-01-01T00:00:00Z",
  version: 1,
  statements: Array.from({ length: 100 }, (_, index) => ({
    vulnerability: { name: cveId(index * 31) },
    products: [{ "@id": `pkg:npm/package-${(index * 31) % 700}` }],
    status: "not_affected",
    justification: "vulnerable_code_not_in_execute_path",
  })),
});

const typicalPolicy = parsePolicy({
  version: 1,
  defaultRule: {
    blockAt: "Critical",
    requireApprovalAt: "High",
    ignoreUnfixed: true,
    unknownSeverity: "needsApproval",
  },
  repositories: Array.from({ length: 20 }, (_, index) => ({ match: [`team-${index}/**`], rule: { blockAt: "High" } })),
  exceptions: Array.from({ length: 200 }, (_, index) => ({
    vulnerability: cveId(index * 17),
    repository: "team-19/**",
    expires: index % 2 === 0 ? "2030-01-01T00:00:00Z" : "2020-01-01T00:00:00Z",
    justification: "benchmark",
    approvedBy: "bench@example.com",
  })),
  vex: [vex],
});

function percentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? NaN;
}
const ms = (value: number): string => `${value.toFixed(2)} ms`;
const figures = (values: readonly number[]): string =>
  `p50 ${ms(percentile(values, 0.5))}  p95 ${ms(percentile(values, 0.95))}  max ${ms(Math.max(...values))}`;

function timed<T>(run: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = run();
  return { value, ms: performance.now() - start };
}

interface Pair {
  parse: number[];
  judge: number[];
  last?: Judgement;
}

/** The floor's work alternating with the judgement's, sample by sample, alternating which goes first. */
function interleaved(floor: () => unknown, judge: () => Judgement): Pair {
  const pair: Pair = { parse: [], judge: [] };
  for (let run = 0; run < WARMUP + RUNS; run += 1) {
    const steps = run % 2 === 0 ? (["parse", "judge"] as const) : (["judge", "parse"] as const);
    for (const step of steps) {
      if (step === "parse") {
        const sample = timed(floor);
        if (run >= WARMUP) pair.parse.push(sample.ms);
      } else {
        const sample = timed(judge);
        pair.last = sample.value;
        if (run >= WARMUP) pair.judge.push(sample.ms);
      }
    }
  }
  return pair;
}

function ratios(pair: Pair): { p50: number; p95: number } {
  return {
    p50: percentile(pair.judge, 0.5) / percentile(pair.parse, 0.5),
    p95: percentile(pair.judge, 0.95) / percentile(pair.parse, 0.95),
  };
}

let failed = false;

// ---- 1. the 5,000-finding report
{
  const body = trivyReport();
  const image = { repository: "team-19/api", digest: DIGEST };
  const judge = (): Judgement => judgeScanReport({ report: body, image, policy: typicalPolicy, now: NOW });
  console.log(`bench:policy — Node ${process.version}, node ${process.execArgv.join(" ") || "(no flags)"}`);
  console.log(
    `\n1. Trivy JSON report, ${(Buffer.byteLength(body) / 1024 / 1024).toFixed(2)} MiB, ${FINDINGS} findings; ` +
      `policy of 20 repository rules, 200 exceptions (half expired), 100 VEX statements; ${RUNS} samples each after ${WARMUP} warm-up, interleaved`,
  );
  const pair = interleaved(() => JSON.parse(body) as unknown, judge);
  const last = pair.last;
  console.log(`   judgement: ${last?.decision}  tally ${JSON.stringify(last?.tally)}`);
  console.log(`   JSON.parse alone        ${figures(pair.parse)}`);
  console.log(`   judgeScanReport         ${figures(pair.judge)}`);
  const target = ratios(pair);
  console.log(
    `   ratio to JSON.parse     p50 ${target.p50.toFixed(2)}× (target ≤ 1.30×: ${target.p50 <= 1.3 ? "MET" : "MISSED"})  ` +
      `p95 ${target.p95.toFixed(2)}× (target ≤ 1.50×: ${target.p95 <= 1.5 ? "MET" : "MISSED"})`,
  );
  // The same comparison made pair by pair (each judgement against the JSON.parse next to it), less moved by load.
  const pairwise = pair.judge.map((value, index) => value / (pair.parse[index] as number));
  console.log(`   pair by pair            median ratio ${percentile(pairwise, 0.5).toFixed(2)}×`);
  // As the pipeline receives a report: bytes (an HTTP body), so the floor is UTF-8 decoding plus JSON.parse.
  const bytes = Buffer.from(body);
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const asBytes = interleaved(
    () => JSON.parse(decoder.decode(bytes)) as unknown,
    () => judgeScanReport({ report: bytes, image, policy: typicalPolicy, now: NOW }),
  );
  const bytesRatio = ratios(asBytes);
  console.log(
    `   the same as bytes       decode+JSON.parse ${figures(asBytes.parse)}; judgement ${figures(asBytes.judge)}; ` +
      `ratio p50 ${bytesRatio.p50.toFixed(2)}× p95 ${bytesRatio.p95.toFixed(2)}× (not the target's measure; for reference)`,
  );
  if (last?.tally.findings !== FINDINGS) {
    console.error(`   expected ${FINDINGS} findings, judged ${last?.tally.findings ?? 0}`);
    failed = true;
  }
}

// ---- 2. the largest policy the schema allows
{
  const document = {
    version: 1,
    repositories: Array.from({ length: 1000 }, (_, entry) => ({
      match: Array.from({ length: 100 }, (_, glob) => `org-${entry}/team-${glob}/{api,web,worker}-*/**`),
      rule: { blockAt: "Medium" },
    })),
    exceptions: Array.from({ length: 10_000 }, (_, index) => ({
      id: `EXC-${index}`,
      vulnerability: cveId(index),
      repository: `org-${index % 1000}/**`,
      expires: "2030-01-01T00:00:00Z",
      justification: "benchmark of the largest policy",
      approvedBy: "bench@example.com",
    })),
  };
  const text = JSON.stringify(document);
  console.log(
    `\n2. the largest policy: 1,000 repository entries × 100 globs, 10,000 exceptions (${(text.length / 1024 / 1024).toFixed(2)} MiB)`,
  );
  const loads: number[] = [];
  let policy: PolicyDocument | undefined;
  for (let run = 0; run < 5; run += 1) {
    const sample = timed(() => parsePolicy(text));
    policy = sample.value;
    loads.push(sample.ms);
  }
  console.log(`   loading (validate, compile 100,000 globs, index exceptions)  ${figures(loads)}`);
  const small = JSON.stringify({
    SchemaVersion: 2,
    ArtifactName: "registry.example/app",
    Results: [
      {
        Target: "app (debian 12)",
        Vulnerabilities: Array.from({ length: 50 }, (_, index) => ({
          VulnerabilityID: cveId(index * 200 + 999),
          PkgName: "zlib",
          InstalledVersion: "1.3",
          Severity: "LOW",
        })),
      },
    ],
  });
  const body = trivyReport();
  const cold: number[] = [];
  const warm: number[] = [];
  const large: number[] = [];
  for (let run = 0; run < 20; run += 1) {
    // Only the last glob of the last entry matches, and the repository is new each time: the rule is not cached.
    const image = { repository: `org-999/team-99/worker-${run}/svc`, digest: DIGEST };
    cold.push(timed(() => judgeScanReport({ report: small, image, policy: policy!, now: NOW })).ms);
    warm.push(timed(() => judgeScanReport({ report: small, image, policy: policy!, now: NOW })).ms);
    large.push(timed(() => judgeScanReport({ report: body, image, policy: policy!, now: NOW })).ms);
  }
  console.log(`   judging a 50-finding report, rule not yet cached       ${figures(cold)}`);
  console.log(`   judging the same again (rule cached)                   ${figures(warm)}`);
  console.log(`   judging the 5,000-finding report under this policy     ${figures(large)}`);
}

// ---- 3. a SARIF log with 60,000 rules
{
  const count = 60_000;
  const rules = Array.from({ length: count }, (_, index) => ({
    id: cveId(index),
    name: "OsPackageVulnerability",
    shortDescription: { text: `synthetic ${index}` },
    properties: { tags: ["vulnerability", "security", "LOW"], "security-severity": "3.1", precision: "very-high" },
  }));
  const results = Array.from({ length: count }, (_, index) => ({
    ruleId: cveId(count - 1 - index),
    ruleIndex: index,
    level: "note",
    message: { text: `Package: pkg-${index}\nInstalled Version: 1.0.${index % 9}\nSeverity: LOW\nFixed Version: 1.1` },
    locations: [
      {
        physicalLocation: { artifactLocation: { uri: "registry.example/app", uriBaseId: "ROOTPATH" } },
        message: { text: `registry.example/app: pkg-${index}@1.0.${index % 9}` },
      },
    ],
  }));
  const body = JSON.stringify({
    version: "2.1.0",
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    runs: [
      {
        tool: { driver: { name: "Trivy", version: "0.50.0", rules } },
        results,
        properties: { imageName: "registry.example/app", repoDigests: [`registry.example/app@${DIGEST}`] },
      },
    ],
  });
  const image = { repository: "team-1/app", digest: DIGEST };
  const parse: number[] = [];
  const judged: number[] = [];
  let last: Judgement | undefined;
  for (let run = 0; run < 8; run += 1) {
    parse.push(timed(() => JSON.parse(body) as unknown).ms);
    const sample = timed(() =>
      judgeScanReport({ report: body, image, policy: typicalPolicy, now: NOW, limits: { maxBytes: 64 * 1024 * 1024 } }),
    );
    judged.push(sample.ms);
    last = sample.value;
  }
  console.log(
    `\n3. SARIF, ${count.toLocaleString("en")} rules and results, ruleIndex pointing elsewhere ` +
      `(${(body.length / 1024 / 1024).toFixed(2)} MiB; judged with the size limit raised to 64 MiB, the default 8 MiB refuses it)`,
  );
  console.log(`   JSON.parse alone   ${figures(parse)}`);
  console.log(`   judgeScanReport    ${figures(judged)}   (${last?.tally.findings ?? 0} findings, ${last?.decision})`);
  if (last?.tally.findings !== count) {
    console.error(`   expected ${count} findings, judged ${last?.tally.findings ?? 0}`);
    failed = true;
  }
}

if (failed) process.exitCode = 1;
