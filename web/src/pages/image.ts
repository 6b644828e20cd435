import { ApiError, decide, image, type DecisionBody, type ImageView } from "../api.js";
import type { Session } from "../auth.js";
import { definitions, el, replaceMain, table } from "../dom.js";
import { expiryChoices, expiryLabel, expiryRefusal, overrideText, startedText } from "../expiry.js";
import { age, when } from "../time.js";
import { approvalsText, countdown, notice, reasonsList, shortDigest, verdictBadge } from "./common.js";

const APPROVER = "Quarantine.Approver";
const OVERRIDE = "Quarantine.Override";
/** The API's rules (src/functions/approvals.ts, src/pipeline/approvals.ts): reason 3-2000, justification ≥ 10. */
const MIN_REASON = 3;
const MIN_JUSTIFICATION = 10;

const finished = (v: ImageView) => ["Completed", "Failed", "Terminated"].includes(v.runtimeStatus ?? "");

function outcomeText(v: ImageView): string {
  if (!v.outcome) return finished(v) ? `ended (${v.runtimeStatus})` : "not decided yet";
  const by = v.outcome.decidedBy ? ` by ${v.outcome.decidedBy}` : "";
  const text = `${v.outcome.result}${v.outcome.override ? " (override)" : ""}${by}: ${v.outcome.reason}`;
  // Nobody decided before the deadline (no person's decision in the status): APPROVAL_TIMEOUT_OUTCOME applied.
  const timedOut = v.approvalDeadline && Date.parse(v.approvalDeadline) <= Date.now() && !v.decision;
  return timedOut ? `Approval deadline passed → ${text}` : text;
}

const DISPOSITIONS: Record<string, string> = {
  blocks: "blocks",
  "needs-approval": "needs approval",
  excepted: "excepted",
  "exception-expired": "exception expired",
  "vex-suppressed": "VEX-suppressed",
  "ignored-unfixed": "ignored (unfixed)",
  "ignored-unknown": "ignored (unknown severity)",
  counted: "below thresholds",
};

function findingsSection(v: ImageView): HTMLElement {
  const heading = el("h2", { id: "h-findings" }, "Findings");
  if (!v.findings)
    return el(
      "section",
      { "aria-labelledby": "h-findings" },
      heading,
      notice(
        "info",
        `${v.verdict?.findings ?? 0} finding(s) in the report; no per-finding rows were stored for this image, the most decisive are the reasons above.`,
      ),
    );
  return el(
    "section",
    { "aria-labelledby": "h-findings" },
    heading,
    table(
      `${v.findings.length} finding(s), most severe first${v.findingsJudgedAt ? `, judged ${when(v.findingsJudgedAt)}` : ""}`,
      ["ID", "Package", "Installed", "Fixed", "Severity", "Status", "Why"],
      v.findings.map((f) => [
        f.id,
        f.package,
        f.installed,
        f.fixed ?? "—",
        f.severity,
        DISPOSITIONS[f.disposition] ?? f.disposition,
        f.why ?? "",
      ]),
    ),
  );
}

function vexSection(v: ImageView): HTMLElement | undefined {
  const vex = v.verdict?.vex;
  if (!vex) return undefined;
  return el(
    "section",
    { "aria-labelledby": "h-vex" },
    el("h2", { id: "h-vex" }, "VEX"),
    vex.notApplied
      ? notice("info", `VEX not applied: ${vex.notApplied}`)
      : vex.suppressions.length === 0
        ? notice("info", "VEX suppressed nothing.")
        : table(
            `VEX suppressed ${vex.suppressedFindings} finding(s)`,
            ["Vulnerability", "Document", "Findings", "Packages"],
            vex.suppressions.map((s) => [s.vulnerability, s.document, String(s.findings), s.packages.join(", ")]),
          ),
  );
}

function timelineSection(v: ImageView): HTMLElement {
  return el(
    "section",
    { "aria-labelledby": "h-timeline" },
    el("h2", { id: "h-timeline" }, "Timeline (audit)"),
    v.timeline.length === 0
      ? notice("info", "No audit records yet.")
      : table(
          "Audit records, oldest first",
          ["At", "Action", "Actor", "Reason", "Quarantine state"],
          v.timeline.map((r) => [when(r.at), r.action, r.actor, r.reason, r.quarantineState ?? "—"]),
        ),
  );
}

function detailsSection(v: ImageView): HTMLElement | undefined {
  if (!v.quarantineDetails) return undefined;
  return el(
    "section",
    { "aria-labelledby": "h-details" },
    el("h2", { id: "h-details" }, "quarantineDetails written"),
    el("pre", { class: "json", tabindex: "0" }, JSON.stringify(v.quarantineDetails, null, 2)),
  );
}

/** The reason sent to the API: the person's words and, when given, the ticket link (http/https only). */
function reasonWithTicket(reason: string, ticket: string): string | { error: string } {
  const text = reason.trim();
  if (text.length < MIN_REASON) return { error: `Give a reason (at least ${MIN_REASON} characters).` };
  if (!ticket.trim()) return text;
  try {
    const url = new URL(ticket.trim());
    if (url.protocol !== "https:" && url.protocol !== "http:") return { error: "The ticket link must be http(s)." };
    return `${text} (ticket: ${url.toString()})`;
  } catch {
    return { error: "The ticket link is not a URL." };
  }
}

function decideForm(session: Session, v: ImageView, reload: Reload): HTMLElement {
  const message = el("div", { class: "result", "aria-live": "polite" });
  const reason = el("textarea", {
    id: "d-reason",
    name: "reason",
    required: "",
    minlength: String(MIN_REASON),
    rows: "3",
  });
  const ticket = el("input", { id: "d-ticket", name: "ticket", type: "url", placeholder: "https://…" });
  const send = async (approve: boolean) => {
    const text = reasonWithTicket(reason.value, ticket.value);
    if (typeof text !== "string") return message.replaceChildren(notice("error", text.error));
    await submit(session, v, { approve, reason: text }, message, reload);
  };
  const approve = el("button", { type: "button", class: "approve" }, "Approve");
  const reject = el("button", { type: "button", class: "reject" }, "Reject");
  approve.addEventListener("click", () => void send(true));
  reject.addEventListener("click", () => void send(false));
  return el(
    "section",
    { "aria-labelledby": "h-decide", id: "decide" },
    el("h2", { id: "h-decide" }, "Decide"),
    el("label", { for: "d-reason" }, "Reason (required)"),
    reason,
    el("label", { for: "d-ticket" }, "Ticket link (optional)"),
    ticket,
    el("div", { class: "actions" }, approve, reject),
    message,
  );
}

/** Reloads the page, keeping the last action's notice at the top (the forms it was shown in may be gone). */
type Reload = (kept?: Node) => void;

function breakGlassForm(session: Session, v: ImageView, reload: Reload): HTMLElement {
  const message = el("div", { class: "result", "aria-live": "polite" });
  const reason = el("textarea", { id: "o-reason", name: "reason", required: "", rows: "2" });
  const justification = el("textarea", {
    id: "o-justification",
    name: "justification",
    required: "",
    minlength: String(MIN_JUSTIFICATION),
    rows: "3",
  });
  // The policy's longest expiry is its default: choosing it sends no expiresIn, a shorter choice sends its duration.
  const maxHours = v.breakGlass?.maxExpiryHours;
  const expires = el(
    "select",
    { id: "o-expires", name: "expiresIn", "aria-describedby": "o-expires-hint" },
    ...expiryChoices(maxHours).map((c, i) =>
      el("option", { value: c.expiresIn ?? "", ...(i === 0 ? { selected: "" } : {}) }, c.label),
    ),
  );
  const release = el("button", { type: "button", class: "override" }, "Release by override");
  release.addEventListener("click", () => {
    if (justification.value.trim().length < MIN_JUSTIFICATION)
      return void message.replaceChildren(
        notice("error", `A justification of at least ${MIN_JUSTIFICATION} characters is required.`),
      );
    const text = reasonWithTicket(reason.value, "");
    if (typeof text !== "string") return void message.replaceChildren(notice("error", text.error));
    void submit(
      session,
      v,
      {
        approve: true,
        reason: text,
        justification: justification.value.trim(),
        ...(expires.value ? { expiresIn: expires.value } : {}),
      },
      message,
      reload,
    );
  });
  return el(
    "section",
    { "aria-labelledby": "h-override", id: "break-glass" },
    el("h2", { id: "h-override" }, "Break-glass release"),
    el(
      "p",
      {},
      `The verdict failed. As a holder of ${OVERRIDE} you may release it anyway, with a justification of at least ${MIN_JUSTIFICATION} characters; it is written to quarantineDetails and the audit.`,
    ),
    el("label", { for: "o-reason" }, "Reason (required)"),
    reason,
    el("label", { for: "o-justification" }, "Justification (required)"),
    justification,
    el("label", { for: "o-expires" }, expiryLabel(maxHours)),
    expires,
    el(
      "p",
      { id: "o-expires-hint", class: "hint" },
      "When the override ends the image is judged again; if it still fails, it is blocked again.",
    ),
    el("div", { class: "actions" }, release),
    message,
  );
}

async function submit(
  session: Session,
  v: ImageView,
  body: DecisionBody,
  message: HTMLElement,
  reload: Reload,
): Promise<void> {
  message.replaceChildren(notice("info", "Sending…"));
  try {
    const result = await decide(session, v.instanceId, body);
    const kind = String(result.kind ?? "");
    // N-of-M: the API answers `approvals: { required, given }` (src/pipeline/approvals.ts DecisionResult).
    const tally = (result.approvals ?? {}) as { required?: unknown; given?: unknown };
    const text =
      kind === "recorded"
        ? `Approval recorded: ${String(tally.given)} of ${String(tally.required)}; waiting for more approvers.`
        : kind === "break-glass-started"
          ? startedText(result.expiresAt)
          : body.approve
            ? "Approved: the image is being released."
            : "Rejected: the image is being failed.";
    const done = notice("ok", text);
    message.replaceChildren(done);
    setTimeout(() => reload(done.cloneNode(true)), 1000);
  } catch (error) {
    // A refused expiry names the policy's longest (maxExpiry); a refused body lists its problems.
    const refusedExpiry = error instanceof ApiError ? expiryRefusal(error.status, error.body) : undefined;
    const problems = error instanceof ApiError ? (error.body as { problems?: unknown }).problems : undefined;
    const detail = refusedExpiry
      ? refusedExpiry
      : error instanceof ApiError && error.status === 400 && Array.isArray(problems)
        ? `Refused (400): ${error.message}: ${problems.map(String).join("; ")}`
        : error instanceof ApiError && error.status === 409
          ? `Not counted (${String((error.body as { reason?: string }).reason ?? "")}): ${error.message}`
          : error instanceof ApiError && error.status === 403
            ? `Refused (403): ${error.message}`
            : (error as Error).message;
    message.replaceChildren(notice("error", detail));
  }
}

export async function renderImage(session: Session, reference: string, kept?: Node): Promise<void> {
  const v = await image(session, reference);
  const reload: Reload = (last) => void renderImage(session, reference, last);
  const waiting = v.stage === "awaiting-approval" && !finished(v);
  const canDecide = session.roles.includes(APPROVER);
  const canOverride = canDecide && session.roles.includes(OVERRIDE);
  const failedByPolicy = v.verdict?.decision === "fail" && v.outcome?.result === "Failed";
  const outcome = el("span", { id: "outcome" }, outcomeText(v));
  const onZero = () => {
    // The deadline passed: the pipeline applies APPROVAL_TIMEOUT_OUTCOME; show it once it is recorded.
    const poll = async (tries: number) => {
      const now = await image(session, reference);
      if (finished(now) || tries <= 0) return void renderImage(session, reference);
      setTimeout(() => void poll(tries - 1), 1000);
    };
    void poll(30);
  };
  const key = v.image.split("@");
  replaceMain(
    el("h1", {}, `Image ${key[0]?.split("/").slice(1).join("/") ?? v.image}`),
    kept ? el("div", { id: "last-action" }, kept) : undefined,
    definitions([
      ["Image", el("code", {}, v.image)],
      ["Tag", v.tag ?? "—"],
      ["Digest", el("code", { title: key[1] ?? "" }, shortDigest(key[1] ?? ""))],
      ["Pushed at", `${when(v.pushedAt)} (${age(v.pushedAt)} ago)`],
      ["Stage", v.stage ?? v.runtimeStatus ?? "unknown"],
      // After the pipeline moved on, a passed deadline still shows as passed (a decided image shows none).
      [
        "Time left",
        waiting
          ? countdown(v.approvalDeadline, onZero)
          : v.approvalDeadline && Date.parse(v.approvalDeadline) <= Date.now()
            ? countdown(v.approvalDeadline)
            : "—",
      ],
      ["Verdict", verdictBadge(v.verdict)],
      ["Approvals", approvalsText(v.approvals)],
      ["Outcome", outcome],
      // The break-glass release in effect: who, when, and when it ends (then the image is judged again).
      ...(v.override ? [["Override", el("span", { id: "override" }, overrideText(v.override))] as [string, Node]] : []),
    ]),
    el("section", { "aria-labelledby": "h-reasons" }, el("h2", { id: "h-reasons" }, "Reasons"), reasonsList(v.verdict)),
    findingsSection(v),
    vexSection(v),
    waiting && canDecide ? decideForm(session, v, reload) : undefined,
    failedByPolicy && canOverride ? breakGlassForm(session, v, reload) : undefined,
    !canDecide
      ? notice("info", "You can read everything here; deciding needs the Quarantine.Approver role.")
      : undefined,
    timelineSection(v),
    detailsSection(v),
  );
}
