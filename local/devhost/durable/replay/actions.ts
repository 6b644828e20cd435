/**
 * The actions an orchestrator episode returns (durable-functions' OrchestratorState.actions, replay schema V3: one
 * cumulative list, with Task.any/Task.all as compound actions). Action types follow durable-functions' ActionType.
 */
export enum ActionType {
  CallActivity = 0,
  CallActivityWithRetry = 1,
  CallSubOrchestrator = 2,
  CallSubOrchestratorWithRetry = 3,
  ContinueAsNew = 4,
  CreateTimer = 5,
  WaitForExternalEvent = 6,
  CallEntity = 7,
  CallHttp = 8,
  SignalEntity = 9,
  WhenAny = 11,
  WhenAll = 12,
  LockEntities = 13,
  ReleaseEntities = 14,
}

export interface RetryOptionsPayload {
  firstRetryIntervalInMilliseconds: number;
  maxNumberOfAttempts: number;
  backoffCoefficient?: number;
  maxRetryIntervalInMilliseconds?: number;
  retryTimeoutInMilliseconds?: number;
}

export interface ActionPayload {
  actionType: ActionType;
  functionName?: string;
  input?: unknown;
  instanceId?: string;
  retryOptions?: RetryOptionsPayload;
  fireAt?: string;
  isCanceled?: boolean;
  externalEventName?: string;
  compoundActions?: ActionPayload[];
}

export interface OrchestratorStatePayload {
  isDone: boolean;
  actions: ActionPayload[][];
  output?: unknown;
  error?: string;
  customStatus?: unknown;
  schemaVersion?: number;
  failureDetails?: unknown;
}

/** Atomic actions, compound actions expanded depth-first in array order (the order the engine numbers tasks in). */
export function flattenActions(state: OrchestratorStatePayload): ActionPayload[] {
  const flat: ActionPayload[] = [];
  const visit = (action: ActionPayload): void => {
    if (action.actionType === ActionType.WhenAll || action.actionType === ActionType.WhenAny) {
      for (const child of action.compoundActions ?? []) visit(child);
    } else {
      flat.push(action);
    }
  };
  for (const group of state.actions ?? []) for (const action of group ?? []) visit(action);
  return flat;
}

/** Actions that take a task sequence number in the replay engine (waits for external events and continue-as-new do not). */
export function consumesSequenceNumber(action: ActionPayload): boolean {
  return action.actionType !== ActionType.WaitForExternalEvent && action.actionType !== ActionType.ContinueAsNew;
}

const UNSUPPORTED: Partial<Record<ActionType, string>> = {
  [ActionType.CallEntity]: "durable entities (callEntity)",
  [ActionType.SignalEntity]: "durable entities (signalEntity)",
  [ActionType.LockEntities]: "durable entities (lock)",
  [ActionType.ReleaseEntities]: "durable entities (lock)",
  [ActionType.CallHttp]: "durable HTTP (callHttp)",
};

/** A clear reason when an action needs a feature the devhost does not implement (the orchestration then fails). */
export function unsupportedActionReason(action: ActionPayload): string | undefined {
  const feature = UNSUPPORTED[action.actionType];
  return feature ? `The local devhost does not support ${feature}.` : undefined;
}
