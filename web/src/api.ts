import type { Session } from "./auth.js";

/** Shapes the app answers with (src/pipeline/views/*, src/pipeline/approvals.ts); only what the page reads. */
export interface Verdict {
  decision: "pass" | "fail" | "needsApproval";
  platforms: Array<{ digest: string; decision: string; reasons: string[] }>;
  severityCounts: Record<string, number>;
  findings: number;
  scanner: string;
  policyVersion: string;
  evaluatedAt: string;
  vex?: {
    suppressedFindings: number;
    suppressions: Array<{ vulnerability: string; document: string; findings: number; packages: string[] }>;
    notApplied?: string;
  };
}

export interface Approvals {
  required: number;
  given: number;
  approvers: Array<{ name: string; at?: string }>;
}

export interface Pending {
  instanceId: string;
  image: string;
  repository: string;
  digest: string;
  tag?: string;
  pushedAt?: string;
  approvalDeadline?: string;
  verdict?: Verdict;
  approvals: Approvals;
}

/** src/pipeline/views/findings.ts FindingRow */
export interface Finding {
  id: string;
  kind: string;
  package: string;
  installed: string;
  fixed?: string;
  severity: string;
  target: string;
  disposition: string;
  why?: string;
}

export interface AuditRecord {
  action: string;
  actor: string;
  at: string;
  reason: string;
  quarantineState?: string;
  verdict?: string;
}

export interface ImageView {
  image: string;
  known: boolean;
  instanceId: string;
  runtimeStatus?: string;
  stage?: string;
  verdict?: Verdict;
  outcome?: { result: string; decidedBy: string; reason: string; override?: boolean };
  /** A person's decision, when one decided. */
  decision?: { by: string; approve: boolean; reason: string; at: string };
  approvalDeadline?: string;
  tag?: string;
  pushedAt?: string;
  approvals: Approvals;
  quarantineDetails?: unknown;
  findings: Finding[] | null;
  findingsJudgedAt?: string;
  timeline: AuditRecord[];
  error?: string;
  /** The break-glass release in effect (src/pipeline/image-status.ts OverrideView). */
  override?: {
    by: string;
    reason: string;
    at: string;
    expiresAt?: string;
    expiry?: "still-released" | "reblocked" | "reblock-failed";
  };
  /** How long a break-glass release may last (src/pipeline/views/break-glass-limit.ts). */
  breakGlass?: { maxExpiryHours: number; maxExpiry: string };
}

export interface Decision {
  instanceId: string;
  image: string;
  repository: string;
  outcome: string;
  decidedBy: string;
  reason: string;
  override: boolean;
  decidedAt?: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
  }
}

async function call<T>(session: Session, path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`/api/${path}`, {
    ...init,
    headers: { ...(init.headers ?? {}), Authorization: `Bearer ${await session.token()}` },
  });
  const body: unknown = await response.json().catch(() => ({}));
  if (!response.ok) {
    const message = (body as { error?: string; message?: string }).error ?? (body as { message?: string }).message;
    throw new ApiError(response.status, message ?? `the app answered ${response.status}`, body);
  }
  return body as T;
}

export const pending = (s: Session) => call<{ pending: Pending[] }>(s, "views/pending").then((b) => b.pending);
export const image = (s: Session, ref: string) => call<ImageView>(s, `views/image?image=${encodeURIComponent(ref)}`);
export const decisions = (s: Session, filter: { repository?: string; outcome?: string }) => {
  const query = new URLSearchParams(Object.entries(filter).filter((e): e is [string, string] => Boolean(e[1])));
  return call<{ decisions: Decision[] }>(s, `views/decisions?${query.toString()}`).then((b) => b.decisions);
};

export interface DecisionBody {
  approve: boolean;
  reason: string;
  justification?: string;
  /** Break-glass only: an ISO 8601 duration (PT4H), at most the policy's; absent → the policy's default. */
  expiresIn?: string;
}

export const decide = (s: Session, instanceId: string, body: DecisionBody) =>
  call<Record<string, unknown>>(s, `approvals/${encodeURIComponent(instanceId)}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
