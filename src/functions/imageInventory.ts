import { app, type HttpRequest, type HttpResponseInit } from "@azure/functions";
import { READ_ROLES, requireAnyRole } from "../auth/approver-token.js";
import { approverVerifier } from "../auth/approver-settings.js";
import { compositionRoot } from "../composition/root.js";
import { answeringErrors } from "../http/errors.js";
import { problem } from "../http/json.js";
import { INVENTORY_STATES, inventoryPage, type InventoryState } from "../reevaluate/inventory.js";
import { observeHttp } from "../observability/triggers.js";

function wholeNumber(text: string | null, fallback: number, min: number, max: number): number | undefined {
  if (text === null) return fallback;
  if (!/^\d{1,6}$/.test(text)) return undefined;
  const value = Number(text);
  return value >= min && value <= max ? value : undefined;
}

/**
 * GET api/images?state=released|blocked|due-soon[&limit=1..500][&cursor=…][&withinDays=1..365]: the images
 * re-evaluation tracks, with their open findings, paged (docs/reevaluation.md). For the page and for scripts: any
 * gate role (READ_ROLES) with a verified Entra ID bearer token, as the approvals list.
 */
export async function imageInventory(request: HttpRequest): Promise<HttpResponseInit> {
  return answeringErrors(async () => {
    const reader = await approverVerifier().verify(request.headers.get("authorization"));
    requireAnyRole(reader, READ_ROLES);
    const state = request.query.get("state");
    if (!INVENTORY_STATES.includes(state as InventoryState))
      return problem(400, `give ?state= one of ${INVENTORY_STATES.join(", ")}`);
    const limit = wholeNumber(request.query.get("limit"), 100, 1, 500);
    const withinDays = wholeNumber(request.query.get("withinDays"), 7, 1, 365);
    if (limit === undefined) return problem(400, "limit must be a whole number from 1 to 500");
    if (withinDays === undefined) return problem(400, "withinDays must be a whole number from 1 to 365");
    const cursor = request.query.get("cursor") ?? undefined;
    if (cursor !== undefined && !/^[A-Za-z0-9_-]{1,2000}$/.test(cursor))
      return problem(400, "cursor is not one this API gave");
    const root = compositionRoot();
    const page = await inventoryPage(root.reevaluationServices().store, {
      state: state as InventoryState,
      limit,
      cursor,
      withinDays,
      now: root.clock(),
    });
    return { status: 200, jsonBody: page };
  });
}

app.http("imageInventory", {
  methods: ["GET"],
  authLevel: "anonymous",
  route: "images",
  handler: observeHttp("inventory", imageInventory),
});
