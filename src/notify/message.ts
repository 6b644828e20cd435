import { shortType, type NotificationEvent } from "./event.js";

/**
 * What a person reads in chat (Teams, Slack): one title, a few facts, one link. Built from the event alone, so both
 * chat sinks say the same thing.
 */
export interface ChatSummary {
  title: string;
  text: string;
  facts: Array<{ name: string; value: string }>;
  link?: { title: string; url: string };
}

const TITLES: Record<string, string> = {
  "image.quarantined": "Image quarantined",
  "scan.completed": "Scan completed",
  "scan.failed": "Scan failed",
  "approval.requested": "Approval requested",
  "approval.reminder": "Approval reminder",
  "approval.given": "Approval decision",
  "image.released": "Image released",
  "image.failed": "Image failed",
  "image.left-quarantined": "Image left in quarantine",
  "breakglass.used": "Break-glass override used",
  "sweep.completed": "Compliance sweep completed",
  "remediation.opened": "Remediation deadline set",
  "remediation.reminder": "Remediation reminder",
  "remediation.closed": "Remediation closed",
  "remediation.due": "Remediation deadline passed",
  "image.reblocked": "Image blocked again",
  "image.reopened": "Image released again",
};

export function chatSummary(event: NotificationEvent): ChatSummary {
  const data = event.data!;
  const type = shortType(event.type) ?? event.type;
  const facts: ChatSummary["facts"] = [{ name: "Image", value: data.image }];
  if (data.tag) facts.push({ name: "Tag", value: data.tag });
  if (data.decision) facts.push({ name: "Verdict", value: data.decision });
  if (data.severityCounts) {
    const counts = Object.entries(data.severityCounts)
      .filter(([, n]) => n > 0)
      .map(([severity, n]) => `${severity} ${n}`)
      .join(", ");
    facts.push({ name: "Findings", value: counts || "none" });
  }
  if (data.policyVersion) facts.push({ name: "Policy", value: data.policyVersion });
  if (data.actor) facts.push({ name: "By", value: data.actor });
  if (data.deadline) facts.push({ name: "Deadline", value: data.deadline });
  if (data.percent !== undefined) facts.push({ name: "Time gone", value: `${data.percent} %` });
  if (data.findingId)
    facts.push({ name: "Finding", value: `${data.findingId} (${data.severity ?? "?"}) in ${data.package ?? "?"}` });
  if (data.dueBy) facts.push({ name: "Due by", value: data.dueBy });
  if (data.action) facts.push({ name: "Outcome", value: data.action });
  if (data.counts) for (const [name, n] of Object.entries(data.counts)) facts.push({ name, value: String(n) });
  const url = data.links.approval ?? data.links.status;
  return {
    title: `${TITLES[type] ?? type}: ${data.repository ?? data.registry}`,
    text: (data.reason ?? "").slice(0, 500),
    facts: facts.map((f) => ({ name: f.name, value: f.value.slice(0, 300) })),
    ...(url ? { link: { title: data.links.approval ? "Open approval" : "Open status", url } } : {}),
  };
}
