import type { Reason } from "../policy/index.js";

/** One line a person can read for each structured reason of a verdict. */
export function describeReason(reason: Reason): string {
  switch (reason.kind) {
    case "report-unusable":
      return `no usable scan report (${reason.code}): ${reason.message}`;
    case "report-for-another-image":
      return `the report is for ${reason.reportDigest}, not ${reason.imageDigest}`;
    case "finding-blocks":
      return `${reason.finding.vulnerabilityId} (${reason.finding.severity}) in ${reason.finding.package} ${reason.finding.installedVersion} blocks (${reason.setting}${reason.threshold ? ` ${reason.threshold}` : ""})`;
    case "finding-needs-approval":
      return `${reason.finding.vulnerabilityId} (${reason.finding.severity}) in ${reason.finding.package} needs approval (${reason.setting}${reason.threshold ? ` ${reason.threshold}` : ""})`;
    case "unknown-severity-ignored":
      return `${reason.finding.vulnerabilityId}: unknown severity ignored by policy`;
    case "unfixed-ignored":
      return `${reason.finding.vulnerabilityId} in ${reason.finding.package}: no fix available, ignored by policy`;
    case "exception-applied":
      return `${reason.finding.vulnerabilityId} excepted until ${reason.exception.expires} (approved by ${reason.exception.approvedBy})`;
    case "exception-expired":
      return `${reason.finding.vulnerabilityId}: exception expired ${reason.exception.expires}`;
    case "vex-suppressed":
      return `${reason.finding.vulnerabilityId}: ${reason.statement.status} per VEX ${reason.statement.document}`;
    case "auto-release-off":
      return "the policy requires a person's approval for every image (autoRelease off)";
  }
}
