import type { AuditLog } from "../audit/audit-log.js";
import { AcrError } from "../acr/errors.js";
import type { QuarantineDetails } from "../acr/quarantine-details.js";
import type { RegistryClient } from "../acr/registry-client.js";
import { REMEDIATION_AUDIT_ACTION } from "./audit-actions.js";
import type { RemediationNotifier } from "./notifier.js";
import { lockRecord } from "./records.js";
import type { RemediationStore } from "./store.js";

export interface EnforceDeps {
  registry: (loginServer: string) => Pick<RegistryClient, "ensureReadEnabled" | "ensureQuarantineState">;
  audit: Pick<AuditLog, "record">;
  notifier: RemediationNotifier;
  log: (line: Record<string, unknown>) => void;
  /** Where the gate's lock record is kept (records.ts LOCK_FINDING). */
  store: Pick<RemediationStore, "put">;
  statusLink?: string;
}

export interface EnforceRequest {
  runId: string;
  image: { loginServer: string; repository: string; digest: string };
  action: "block" | "release";
  reason: string;
  now: string;
}

export interface EnforceOutcome {
  readEnabled: boolean;
  quarantineState: string | undefined;
  quarantineStateWritten: boolean;
}

function details(state: string, reason: string, link: string | undefined): QuarantineDetails {
  return {
    scanner: "acr-quarantine-gate re-evaluation",
    state,
    ...(link ? { link } : {}),
    result: { version: "1", summary: [], description: reason.slice(0, 1_000) },
  };
}

/**
 * Blocks a released image whose deadline passed, or re-opens one the gate blocked.
 *
 * Block: first the documented manifest lock, readEnabled=false by digest (pulls by tag and by digest are refused),
 * read back. Then quarantineState=Failed with details, where the registry accepts it: whether ACR accepts a Passed →
 * Failed transition is not documented (docs/local-stack.md), so a 4xx refusal of that second write is recorded
 * (`quarantineStateWritten: false`) and the lock alone holds. A refused lock throws: nothing else is claimed.
 *
 * Release (the normal gate: a passing fresh judgement after every blocked finding closed): quarantineState=Passed
 * first, then readEnabled=true, each read back; a refusal throws and the image stays blocked (fail closed).
 */
export async function enforceRemediation(deps: EnforceDeps, request: EnforceRequest): Promise<EnforceOutcome> {
  const { image } = request;
  const reference = `${image.loginServer}/${image.repository}@${image.digest}`;
  const registry = deps.registry(image.loginServer);
  let outcome: EnforceOutcome;
  // Whether this call changed the registry: a run that finds the image already locked (the gate's lock record keeps
  // it blocked on every run) audits the block again but notifies nobody again.
  let wrote = false;
  if (request.action === "block") {
    const locked = await registry.ensureReadEnabled(image.repository, image.digest, false);
    wrote = locked.written;
    let quarantineState = locked.attributes.quarantine.state;
    let quarantineStateWritten = false;
    try {
      const failed = await registry.ensureQuarantineState(image.repository, image.digest, {
        state: "Failed",
        details: details("Remediation overdue", request.reason, deps.statusLink),
      });
      quarantineState = failed.attributes.quarantine.state;
      quarantineStateWritten = true;
      wrote ||= failed.written;
    } catch (error) {
      // A refusal (4xx) of Passed → Failed is an answer; anything else (5xx, network) is retried by the activity.
      if (!(error instanceof AcrError) || error.status === undefined || error.status < 400 || error.status >= 500)
        throw error;
      if (error.status === 401 || error.status === 429) throw error;
      deps.log({
        event: "quarantine-state-refused",
        image: reference,
        status: error.status,
        upstream: error.upstreamCode,
      });
    }
    outcome = { readEnabled: false, quarantineState, quarantineStateWritten };
    // Kept until a passing judgement re-opens the image (records.ts).
    await deps.store.put([lockRecord(image, request.now)]);
  } else {
    const passed = await registry.ensureQuarantineState(image.repository, image.digest, {
      state: "Passed",
      details: details("Scan Passed", request.reason, deps.statusLink),
    });
    const opened = await registry.ensureReadEnabled(image.repository, image.digest, true);
    wrote = passed.written || opened.written;
    outcome = {
      readEnabled: opened.attributes.changeableAttributes.readEnabled !== false,
      quarantineState: passed.attributes.quarantine.state,
      quarantineStateWritten: true,
    };
  }
  const action = request.action === "block" ? REMEDIATION_AUDIT_ACTION.reblocked : REMEDIATION_AUDIT_ACTION.reopened;
  await deps.audit.record(
    {
      image: reference,
      action,
      actor: "gate:reevaluation",
      at: request.now,
      reason: request.reason,
      quarantineState: outcome.quarantineState,
      instanceId: request.runId,
    },
    { scope: `reevaluation:${request.runId}`, identity: `${reference}|${request.action}` },
  );
  deps.log({ event: action, image: reference, runId: request.runId, ...outcome });
  if (!wrote) return outcome;
  try {
    await deps.notifier.notify(
      {
        kind: action === "reblocked" ? "reblocked" : "reopened",
        image: reference,
        reason: request.reason,
        readEnabled: outcome.readEnabled,
        quarantineState: outcome.quarantineState,
      },
      { runId: request.runId, image, at: request.now },
    );
  } catch (error) {
    deps.log({ event: "notify-failed", image: reference, error: (error as Error).message });
  }
  return outcome;
}
