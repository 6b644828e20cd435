import type { RpcTypedData } from "../app/core-types.js";
import type { ScheduleStatus } from "./schedule-status-store.js";

/** The value the host shows for "never ran" (.NET's DateTime.MinValue). */
export const NEVER = "0001-01-01T00:00:00";

/**
 * The timer trigger's data in the host's wire shape (PascalCase JSON); `@azure/functions` camel-cases it into the
 * `Timer` object handlers receive: { schedule: { adjustForDST }, scheduleStatus: { last, next, lastUpdated }, isPastDue }.
 */
export function timerTriggerData(status: ScheduleStatus | undefined, isPastDue: boolean): RpcTypedData {
  return {
    json: JSON.stringify({
      Schedule: { AdjustForDST: true },
      ScheduleStatus: status ?? { Last: NEVER, Next: NEVER, LastUpdated: NEVER },
      IsPastDue: isPastDue,
    }),
  };
}
