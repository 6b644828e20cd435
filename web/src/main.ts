import "./styles.css";
import { signIn, startSession, type Session, type SignInConfig } from "./auth.js";
import { ApiError } from "./api.js";
import { el, replaceMain } from "./dom.js";
import { notice } from "./pages/common.js";
import { renderDecisions } from "./pages/decisions.js";
import { renderImage } from "./pages/image.js";
import { renderPending } from "./pages/pending.js";

/** Pages are chosen by the query string (`?view=pending|image|decisions`); the fragment is left to MSAL's responses. */
async function route(session: Session): Promise<void> {
  const params = new URLSearchParams(location.search);
  const view = params.get("view") ?? "pending";
  for (const link of document.querySelectorAll<HTMLAnchorElement>("[data-nav]"))
    link.toggleAttribute("aria-current", link.dataset.nav === view);
  document.body.dataset.view = view;
  try {
    if (view === "image") await renderImage(session, params.get("image") ?? "");
    else if (view === "decisions")
      await renderDecisions(session, {
        repository: params.get("repository") ?? undefined,
        outcome: params.get("outcome") ?? undefined,
      });
    else await renderPending(session);
  } catch (error) {
    const status = error instanceof ApiError ? ` (${error.status})` : "";
    replaceMain(el("h1", {}, "Something went wrong"), notice("error", `${(error as Error).message}${status}`));
  }
  document.body.dataset.ready = view;
}

async function main(): Promise<void> {
  const answer = await fetch("/api/ui/config.json");
  const { signIn: config } = (await answer.json()) as { signIn: SignInConfig | null };
  if (!config) {
    replaceMain(el("h1", {}, "Approvals are closed"), notice("info", "The app has no approver registration set."));
    return;
  }
  const session = await startSession(config);
  const who = document.getElementById("who")!;
  if (!session) {
    const button = el("button", { type: "button", id: "sign-in" }, "Sign in");
    button.addEventListener("click", () => void signIn(config));
    who.replaceChildren(button);
    replaceMain(el("h1", {}, "Sign in"), el("p", {}, "Sign in with your organisation account to see and decide."));
    document.body.dataset.ready = "signed-out";
    return;
  }
  const out = el("button", { type: "button", id: "sign-out" }, "Sign out");
  out.addEventListener("click", () => void session.signOut());
  const roles = session.roles.length > 0 ? session.roles.join(", ") : "no role";
  who.replaceChildren(el("span", { id: "signed-in-as" }, `${session.name} · ${roles}`), out);
  await route(session);
}

void main();
