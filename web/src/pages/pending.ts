import { pending, type Pending } from "../api.js";
import type { Session } from "../auth.js";
import { el, replaceMain, table } from "../dom.js";
import { age, when } from "../time.js";
import { approvalsText, countdown, imageLink, notice, reasonsList, shortDigest, verdictBadge } from "./common.js";

export async function renderPending(session: Session): Promise<void> {
  const items = await pending(session);
  const rows = items.map((p: Pending) => [
    imageLink(p.image, p.repository),
    p.tag ?? "—",
    el("code", { title: p.digest }, shortDigest(p.digest)),
    when(p.pushedAt),
    age(p.pushedAt),
    countdown(p.approvalDeadline, () => setTimeout(() => void renderPending(session), 1500)),
    verdictBadge(p.verdict),
    reasonsList(p.verdict),
    approvalsText(p.approvals),
  ]);
  replaceMain(
    el("h1", {}, "Waiting for approval"),
    items.length === 0
      ? notice("info", "Nothing is waiting for a person.")
      : table(
          `${items.length} image(s) waiting`,
          ["Repository", "Tag", "Digest", "Pushed at", "Age", "Time left", "Verdict", "Reasons", "Approvals"],
          rows,
        ),
  );
}
