/** The settings' defaults, shared by the parts that read them (they match infra/main.bicep). */

export const DEFAULTS = {
  DURABLE_TASK_HUB: "QuarantineGate",
  GATE_MODE: "enforce",
  ACR_TOKEN_AUDIENCE: "https://containerregistry.azure.net",
  SCANNER_KIND: "queue",
  SCAN_QUEUE_NAME: "scan-requests",
  SCAN_DEADLINE: "PT30M",
  APPROVAL_DEADLINE: "P3D",
  SWEEP_SCHEDULE: "0 */30 * * * *",
  STALE_AFTER: "PT6H",
  MAX_QUARANTINE_AGE: "P14D",
  SWEEP_READ_BUDGET_PERCENT: "20",
  AUDIT_TABLE: "GateAudit",
  REPORT_CONTAINER: "compliance-reports",
  EXPIRE_IN_QUARANTINE: "false",
  SWEEP_REGISTRY_READ_OPS: "10000",
  SWEEP_CONCURRENCY: "4",
  ARM_ENDPOINT: "https://management.azure.com",
  ARM_AUDIENCE: "https://management.azure.com",
} as const;
