import { decisions } from "../api.js";
import type { Session } from "../auth.js";
import { el, replaceMain, table } from "../dom.js";
import { when } from "../time.js";
import { imageLink, notice } from "./common.js";

const OUTCOMES = ["", "Passed", "Failed", "left-quarantined", "already-decided", "would-pass", "would-fail"];

export async function renderDecisions(session: Session, filter: { repository?: string; outcome?: string }) {
  const list = await decisions(session, filter);
  const repository = el("input", { id: "f-repo", name: "repository", value: filter.repository ?? "" });
  const outcome = el(
    "select",
    { id: "f-outcome", name: "outcome" },
    ...OUTCOMES.map((o) =>
      el("option", { value: o, ...(o === (filter.outcome ?? "") ? { selected: "" } : {}) }, o || "any"),
    ),
  );
  const form = el(
    "form",
    { class: "filters", "aria-label": "Filter decisions" },
    el("input", { type: "hidden", name: "view", value: "decisions" }),
    el("label", { for: "f-repo" }, "Repository"),
    repository,
    el("label", { for: "f-outcome" }, "Outcome"),
    outcome,
    el("button", { type: "submit" }, "Filter"),
  );
  replaceMain(
    el("h1", {}, "Recent decisions"),
    form,
    list.length === 0
      ? notice("info", "No decisions match.")
      : table(
          `${list.length} decision(s)`,
          ["Decided at", "Repository", "Outcome", "By", "Reason"],
          list.map((d) => [
            when(d.decidedAt),
            imageLink(d.image, d.repository),
            `${d.outcome}${d.override ? " (override)" : ""}`,
            d.decidedBy,
            d.reason,
          ]),
        ),
  );
}
