import { compositionRoot } from "../composition/root.js";
import { settleApprovalDeadline } from "../pipeline/approval-ledger-checks.js";
import { ACTIVITY, registerActivity } from "../pipeline/contract/index.js";

registerActivity(ACTIVITY.settleApprovalDeadline, (input) => {
  const root = compositionRoot();
  return settleApprovalDeadline({ ledger: root.approvalLedger() }, input, root.clock());
});
