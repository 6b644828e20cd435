/** The application ID URI approvers' tokens are issued for in the local stack (APPROVER_AUDIENCE). */
export const APPROVER_AUDIENCE = "api://acr-quarantine-gate";
