import { RegistryAllowlist } from "../acr/names.js";
import { AuditLog } from "../audit/audit-log.js";
import { ApprovalLedger } from "../pipeline/approval-ledger.js";
import { TableStartClaims, type StartClaims } from "../pipeline/webhook/start-claims.js";
import { BlobWebhookInbox, type WebhookInbox } from "../pipeline/webhook/inbox.js";
import { DrainSchedule } from "../pipeline/webhook/drain-schedule.js";
import { drainInbox, type DrainReport } from "../pipeline/webhook/inbox-drain.js";
import { pipelineInput } from "../pipeline/input.js";
import { startPipeline } from "../pipeline/instances.js";
import type { DurableClient } from "durable-functions";
import type { HealthProbes } from "../http/health.js";
import { healthProbes } from "./health-probes.js";
import type { Env } from "../config.js";
import type { PipelineSettings } from "../pipeline/input.js";
import { buildGateServices, type GateServices } from "../pipeline/services.js";
import { gatePolicy, type GatePolicy } from "../pipeline/gate-policy.js";
import { storageConnection, tableClient, type StorageConnection } from "../storage/clients.js";
import { blobContainerClient } from "../storage/blobs.js";
import { buildSweepEnvironment, type SweepEnvironment } from "../sweep/services.js";
import { systemClock, type Clock } from "./clock.js";
import { reevaluationConfig } from "../config-reevaluation.js";
import { buildReevaluationServices, type ReevaluationServices } from "../reevaluate/services.js";
import { RescanInbox } from "../reevaluate/rescan-inbox.js";
import { TableRemediationStore } from "../reevaluate/store.js";
import { readBudgetPerMinute } from "../sweep/services.js";
import { AppSettings } from "./settings.js";
import { DefaultAzureCredential } from "@azure/identity";
import {
  buildNotifier,
  deliveryLedger,
  notifySettings,
  type DeliveryLedger,
  type Notifier,
  type StartDelivery,
} from "../notify/index.js";
import {
  buildArtifactInspector,
  buildAttestationServices,
  type ArtifactInspector,
  type AttestationServices,
} from "../attest/services.js";
import { attestationSettings } from "../attest/settings.js";
import { withVexReferrers } from "./vex-referrers.js";

/**
 * The composition root: the one place that reads the settings (through config.ts, once) and builds what the
 * functions use. Handlers ask it for what they need; nothing below src/functions reads settings or the system clock
 * itself. Each piece is built on first use and kept for the life of the process, so a function fails only for the
 * settings it uses.
 */
export class CompositionRoot {
  readonly settings: AppSettings;
  readonly clock: Clock;
  private readonly built = new Map<string, unknown>();

  constructor(env: Env, clock: Clock = systemClock) {
    this.settings = new AppSettings(env);
    this.clock = clock;
  }

  /** What a pipeline starts with: mode, deadlines and the status link, as configured. */
  pipelineSettings(): PipelineSettings {
    return this.once("pipelineSettings", () => {
      const scanner = this.settings.get("scanner");
      const approval = this.settings.get("approval");
      return {
        mode: this.settings.get("gate").mode,
        scanDeadlineMs: scanner.deadline.ms,
        approvalDeadlineMs: approval.deadline.ms,
        onApprovalTimeout: approval.onTimeout,
        statusBaseUrl: this.settings.get("status").baseUrl,
      };
    });
  }

  /** GATE_REGISTRIES as the webhook checks it. */
  allowlist(): RegistryAllowlist {
    return this.once("allowlist", () => new RegistryAllowlist(this.settings.get("registry").allowedRegistries));
  }

  storage(): StorageConnection {
    return this.once("storage", () => storageConnection(this.settings.environment));
  }

  audit(): AuditLog {
    return this.once("audit", () => new AuditLog(tableClient(this.storage(), this.settings.get("storage").auditTable)));
  }

  /**
   * The approval ledger (table `<task hub>Approvals`, created on first use): people's decisions and the one claim of
   * each approval round's outcome.
   */
  approvalLedger(): ApprovalLedger {
    return this.once(
      "approvalLedger",
      () => new ApprovalLedger(tableClient(this.storage(), `${this.settings.get("gate").taskHub}Approvals`)),
    );
  }

  /** Which pipelines were ever started (table `<task hub>PipelineStarts`): the webhook's start without a status read. */
  startClaims(): StartClaims {
    return this.once(
      "startClaims",
      () => new TableStartClaims(tableClient(this.storage(), `${this.settings.get("gate").taskHub}PipelineStarts`)),
    );
  }

  /**
   * The webhook's durable inbox (blob container `<task hub, lower case>-webhook-inbox`): deliveries are answered once
   * committed there, and drained into pipeline starts afterwards.
   */
  webhookInbox(): WebhookInbox {
    return this.once(
      "webhookInbox",
      () =>
        new BlobWebhookInbox(
          blobContainerClient(this.storage(), `${this.settings.get("gate").taskHub.toLowerCase()}-webhook-inbox`),
        ),
    );
  }

  /** Starts the pipelines of the deliveries in the webhook inbox, through the invocation's durable client. */
  drainWebhookInbox(
    client: DurableClient,
    out: { log(line: string): void; warn(line: string): void },
  ): Promise<DrainReport> {
    return drainInbox({
      inbox: this.webhookInbox(),
      // With the settings in force at the start, as before the inbox: the pipeline runs with today's deadlines.
      start: (entry) =>
        startPipeline(client, pipelineInput(this.pipelineSettings(), entry.image, entry.source, entry.tag), {
          claims: this.startClaims(),
          now: this.clock(),
        }),
      log: (line) => out.log(line),
      warn: (line) => out.warn(line),
    });
  }

  /**
   * When this process drains the inbox after deliveries (one schedule per process): 50 ms after they pause with none
   * still being committed, at most 5 s after the first one not drained. Draining sooner made a burst's last answers
   * wait behind the pipelines it started (900 at once: p99 1.13 s with 1 s, 1.00 s with 5 s, and about 2.7 s in one
   * run in ten while a slow group commit looked like a pause; docs/pipeline.md "Webhook").
   */
  inboxDrainSchedule(): DrainSchedule {
    return this.once(
      "inboxDrainSchedule",
      () =>
        new DrainSchedule(50, 5000, (error) =>
          console.warn(
            `webhook inbox: the drain failed (${(error as { code?: string }).code ?? (error as Error).name}); the inboxDrain timer tries again`,
          ),
        ),
    );
  }

  /** What /api/health checks: storage and every gated registry (settings are read when a probe runs). */
  healthProbes(): HealthProbes {
    return this.once("healthProbes", () =>
      healthProbes({
        storage: () => this.storage(),
        table: () => `${this.settings.get("gate").taskHub}Approvals`,
        registries: () => [...this.settings.get("registry").allowedRegistries],
        policy: () => this.policy(),
      }),
    );
  }

  /** POLICY_DOCUMENT, loaded once (throws ConfigError or PolicyError when it does not load). */
  policy(): GatePolicy {
    return this.once("policy", () => gatePolicy(this.settings.get("policy").document));
  }

  /** What the pipeline's activities and callbacks use. */
  gateServices(): GateServices {
    return this.once("gateServices", () =>
      withVexReferrers(
        this.settings.environment,
        buildGateServices(
          {
            registry: this.settings.get("registry"),
            gate: this.settings.get("gate"),
            scanner: this.settings.get("scanner"),
            policy: this.settings.get("policy"),
            status: this.settings.get("status"),
          },
          this.storage(),
          this.audit(),
        ),
      ),
    );
  }

  /** What the compliance sweep and the backfill use. */
  sweepEnvironment(): SweepEnvironment {
    return this.once("sweepEnvironment", () =>
      buildSweepEnvironment(
        {
          registry: this.settings.get("registry"),
          sweep: this.settings.get("sweep"),
          compliance: this.settings.get("compliance"),
          status: this.settings.get("status"),
          storage: this.settings.get("storage"),
          host: this.settings.get("host"),
        },
        this.storage(),
        this.audit(),
        this.clock,
      ),
    );
  }

  /**
   * Notifications (docs/notifications.md): the notifier over the subscription document, or undefined when
   * NOTIFY_SUBSCRIPTIONS is not set. A wrong document or sink setting throws here, failing only the notify activity
   * (which answers it as an error, never to the pipeline).
   */
  notifier(): Notifier | undefined {
    return this.once("notifier", () => {
      const settings = notifySettings(this.settings.environment);
      if (!settings) return undefined;
      const registry = this.settings.get("registry");
      const ids = this.settings.environment.GATE_REGISTRY_RESOURCE_IDS?.split(",").map((id) => id.trim()) ?? [];
      const resourceIds = new Map(registry.allowedRegistries.map((server, i) => [server.toLowerCase(), ids[i] ?? ""]));
      for (const [server, id] of resourceIds) if (!id) resourceIds.delete(server);
      return buildNotifier({
        settings,
        credential: () =>
          new DefaultAzureCredential(
            registry.managedIdentityClientId ? { managedIdentityClientId: registry.managedIdentityClientId } : {},
          ),
        deliveries: tableClient(this.storage(), `${this.settings.get("gate").taskHub}Notifications`),
        deadLetters: tableClient(this.storage(), `${this.settings.get("gate").taskHub}NotifyDeadLetters`),
        resourceIds,
        now: () => this.clock(),
      }).notifier;
    });
  }

  /** The notifications' delivery ledger, for the sweep's dead-letter count (also without sinks). */
  notificationLedger(): DeliveryLedger {
    return this.once("notificationLedger", () =>
      deliveryLedger(
        tableClient(this.storage(), `${this.settings.get("gate").taskHub}Notifications`),
        tableClient(this.storage(), `${this.settings.get("gate").taskHub}NotifyDeadLetters`),
      ),
    );
  }

  /**
   * Signing and pushing the decision referrers (src/attest/), or undefined when no signing key is configured. Its
   * settings (ATTESTATION_*) are read here, from the environment, by src/attest/settings.ts.
   */
  attestation(): AttestationServices | undefined {
    return this.once("attestation", () => {
      const gate = this.gateServices();
      return buildAttestationServices(attestationSettings(this.settings.environment), gate.acr, {
        version: gate.policyVersion,
        document: gate.policy,
      });
    });
  }

  /**
   * The inspection of manifests that are not images (src/attest/own-referrer.ts): the gate's own referrers are checked
   * against its signing key, when there is one.
   */
  artifactInspector(): ArtifactInspector {
    return this.once("artifactInspector", () =>
      buildArtifactInspector(this.gateServices().acr, () => this.attestation()),
    );
  }

  /**
   * What re-evaluation uses (docs/reevaluation.md): the gate's registry client, scanner, policy and audit; its own
   * table of remediation records (REEVALUATE_TABLE, default `<task hub>Remediation`); the sweep's read budget.
   */
  reevaluationServices(): ReevaluationServices {
    return this.once("reevaluationServices", () => {
      const config = reevaluationConfig(this.settings.environment);
      const gate = this.gateServices();
      return buildReevaluationServices({
        config,
        acr: gate.acr,
        allowedRegistries: this.settings.get("registry").allowedRegistries,
        readsPerMinute: readBudgetPerMinute(this.settings.get("sweep"), this.settings.get("compliance")),
        policy: gate.policy,
        policyVersion: gate.policyVersion,
        scanner: gate.scanner,
        queue: gate.queue
          ? {
              dispatcher: gate.queue,
              inbox: new RescanInbox(
                blobContainerClient(this.storage(), `${this.settings.get("gate").taskHub.toLowerCase()}-rescans`),
              ),
            }
          : undefined,
        pullTokens: gate.pullTokens,
        vex: gate.vex,
        audit: this.audit(),
        store: new TableRemediationStore(
          tableClient(this.storage(), config.table ?? `${this.settings.get("gate").taskHub}Remediation`),
        ),
      });
    });
  }

  /** Builds on first use and keeps it; a build that throws is tried again next time (and fails the same way). */
  private once<T>(key: string, build: () => T): T {
    if (!this.built.has(key)) this.built.set(key, build());
    return this.built.get(key) as T;
  }
}

/** What the sweep's notifications need from the root (src/notify/sweep-emit.ts); `start` hands an event off. */
export function notificationParts(root: CompositionRoot, log: (line: string) => void, start: StartDelivery) {
  return { notifier: () => root.notifier(), start, ledger: () => root.notificationLedger(), now: root.clock, log };
}

let root: CompositionRoot | undefined;

/** The process's composition root, over the environment as it is when first asked for. */
export function compositionRoot(): CompositionRoot {
  root ??= new CompositionRoot(process.env);
  return root;
}
