import { compositionRoot } from "../composition/root.js";
import { confirmApprovalDecision } from "../pipeline/approval-ledger-checks.js";
import { ACTIVITY, registerActivity } from "../pipeline/contract/index.js";

registerActivity(ACTIVITY.confirmApprovalDecision, (input) => {
  const root = compositionRoot();
  return confirmApprovalDecision({ ledger: root.approvalLedger(), audit: root.audit() }, input, root.clock());
});
