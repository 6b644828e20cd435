import type { Approvals, Verdict } from "../api.js";
import { el } from "../dom.js";
import { duration, timeLeft } from "../time.js";

export const shortDigest = (digest: string) => digest.replace(/^sha256:/, "").slice(0, 12);

export const imageLink = (image: string, label: string) =>
  el("a", { href: `?view=image&image=${encodeURIComponent(image)}` }, label);

export function verdictBadge(verdict: Verdict | undefined): HTMLElement {
  const decision = verdict?.decision ?? "unknown";
  const label = { pass: "pass", fail: "fail", needsApproval: "needs approval", unknown: "no verdict" }[decision];
  return el("span", { class: `badge badge-${decision}` }, label ?? decision);
}

export function reasonsList(verdict: Verdict | undefined): HTMLElement {
  const reasons = verdict?.platforms.flatMap((p) => p.reasons) ?? [];
  if (reasons.length === 0) return el("span", {}, "—");
  return el("ul", { class: "reasons" }, ...reasons.map((r) => el("li", {}, r)));
}

export const approvalsText = (a: Approvals) =>
  `${a.given} of ${a.required}${a.approvers.length > 0 ? `: ${a.approvers.map((p) => p.name).join(", ")}` : ""}`;

/** A live "time left" cell: counts down every second; at zero it says so and calls `onZero` once. */
export function countdown(deadline: string | undefined, onZero?: () => void): HTMLElement {
  const node = el("span", { class: "countdown", "data-deadline": deadline });
  if (!deadline) {
    node.textContent = "—";
    return node;
  }
  let fired = false;
  const tick = () => {
    const left = timeLeft(deadline) ?? 0;
    if (left <= 0) {
      node.textContent = "deadline passed";
      node.classList.add("expired");
      if (!fired) {
        fired = true;
        onZero?.();
      }
      return;
    }
    node.textContent = duration(left);
    if (node.isConnected || !fired) setTimeout(tick, 1000 - (Date.now() % 1000));
  };
  tick();
  return node;
}

export function notice(kind: "info" | "error" | "ok", text: string): HTMLElement {
  return el("p", { class: `notice notice-${kind}`, role: kind === "error" ? "alert" : "status" }, text);
}
