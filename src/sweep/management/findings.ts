import type { ManagementView, WebhookView } from "./view.js";

export type FindingSeverity = "high" | "medium" | "info";

export type FindingCode =
  | "management-not-configured"
  | "management-unreadable"
  | "resource-id-mismatch"
  | "quarantine-disabled"
  | "quarantine-webhook-missing"
  | "quarantine-webhook-disabled"
  | "quarantine-webhook-scoped"
  | "webhook-destination-unverified"
  | "app-address-unknown";

/** Something an auditor should know about a registry's setup: quarantine off, the gate's webhook missing, … */
export interface Finding {
  code: FindingCode;
  severity: FindingSeverity;
  message: string;
}

export interface ExpectedSetup {
  /** The login server the gate is configured for (GATE_REGISTRIES). */
  loginServer: string;
  /** This app's host name (WEBSITE_HOSTNAME), which a quarantine webhook must deliver to; undefined when unknown. */
  appHostname: string | undefined;
}

function hostOf(uri: string): string | undefined {
  try {
    return new URL(uri).host.toLowerCase();
  } catch {
    return undefined;
  }
}

function describeWebhook(w: WebhookView): string {
  const where = "serviceUri" in w.destination ? ` → ${hostOf(w.destination.serviceUri) ?? "(invalid URI)"}` : "";
  return `${w.name} (${w.status ?? "unknown status"}${where})`;
}

/**
 * The management-plane findings for one registry. High: quarantine off, or no enabled quarantine webhook delivering
 * to this app (pushes would wait for the sweep). Medium: checks that could not run, a scoped webhook. Info: what could
 * not be verified with the permissions the app has.
 */
export function managementFindings(view: ManagementView, expected: ExpectedSetup): Finding[] {
  if (view.state === "not-configured") {
    return [
      {
        code: "management-not-configured",
        severity: "medium",
        message: `no ARM resource id for ${expected.loginServer} (GATE_REGISTRY_RESOURCE_IDS): quarantine policy and webhooks not checked`,
      },
    ];
  }
  if (view.state === "unreadable") {
    return [
      {
        code: "management-unreadable",
        severity: "high",
        message: `could not read ${view.resourceId} from ARM${view.status ? ` (${view.status})` : ""}: ${view.error}`,
      },
    ];
  }
  if (view.loginServer !== undefined && view.loginServer.toLowerCase() !== expected.loginServer.toLowerCase()) {
    return [
      {
        code: "resource-id-mismatch",
        severity: "high",
        message: `${view.resourceId} is ${view.loginServer}, not ${expected.loginServer}: check the order of GATE_REGISTRY_RESOURCE_IDS`,
      },
    ];
  }
  const findings: Finding[] = [];
  if (view.quarantinePolicy?.toLowerCase() !== "enabled") {
    findings.push({
      code: "quarantine-disabled",
      severity: "high",
      message: `quarantine policy is ${view.quarantinePolicy ?? "not set (disabled)"} on ${expected.loginServer}: pushed images are pullable before the gate decides`,
    });
  }
  findings.push(...webhookFindings(view.webhooks, expected));
  return findings;
}

function webhookFindings(webhooks: WebhookView[], expected: ExpectedSetup): Finding[] {
  const quarantine = webhooks.filter((w) => w.actions.includes("quarantine"));
  if (quarantine.length === 0) {
    return [
      {
        code: "quarantine-webhook-missing",
        severity: "high",
        message: `no webhook with the quarantine action on ${expected.loginServer}: pushes reach the gate only through the sweep`,
      },
    ];
  }
  const findings: Finding[] = [];
  const app = expected.appHostname?.toLowerCase();
  if (!app)
    findings.push({
      code: "app-address-unknown",
      severity: "info",
      message: "WEBSITE_HOSTNAME is not set: cannot tell which webhook delivers to this app",
    });
  const toApp = quarantine.filter(
    (w) => "serviceUri" in w.destination && (!app || hostOf(w.destination.serviceUri) === app),
  );
  const unverified = quarantine.filter((w) => "unverified" in w.destination);
  const candidates = toApp.length > 0 ? toApp : unverified;
  if (candidates.length === 0) {
    return [
      ...findings,
      {
        code: "quarantine-webhook-missing",
        severity: "high",
        message: `no quarantine webhook delivers to this app (${app}); found ${quarantine.map(describeWebhook).join(", ")}`,
      },
    ];
  }
  const enabled = candidates.filter((w) => w.status?.toLowerCase() === "enabled");
  if (enabled.length === 0) {
    findings.push({
      code: "quarantine-webhook-disabled",
      severity: "high",
      message: `the quarantine webhook ${candidates.map(describeWebhook).join(", ")} is not enabled: pushes reach the gate only through the sweep`,
    });
    return findings;
  }
  if (enabled.every((w) => (w.scope ?? "") !== "")) {
    findings.push({
      code: "quarantine-webhook-scoped",
      severity: "medium",
      message: `the quarantine webhook ${enabled.map((w) => `${w.name} (scope ${JSON.stringify(w.scope)})`).join(", ")} fires only for some repositories`,
    });
  }
  if (toApp.length === 0) {
    findings.push({
      code: "webhook-destination-unverified",
      severity: "info",
      message: `cannot confirm that ${enabled.map((w) => w.name).join(", ")} delivers to this app: ${enabled.map((w) => ("unverified" in w.destination ? w.destination.unverified : "")).find(Boolean) ?? ""}`,
    });
  }
  return findings;
}
