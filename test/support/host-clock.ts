import { ADJUSTABLE_CLOCK_ENV } from "../../local/devhost/util/host-clock.js";

/** A devhost's URL and master key: a DevHost, a devhost process's ready line, or a stack (its `devhost`). */
export type ClockHost =
  { url: string; keys: { masterKey: string } } | { devhost: { url: string; keys: { masterKey: string } } };

export interface HostClockReading {
  now: string;
  offsetMs: number;
  adjustable?: boolean;
}

/**
 * The environment for a devhost process: `base` with DEVHOST_ADJUSTABLE_CLOCK=1 when `adjustable`, and without it
 * otherwise (off unless a test asks, whatever the environment of the test run says).
 */
export function clockEnvironment(adjustable: boolean, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env = { ...base };
  if (adjustable) env[ADJUSTABLE_CLOCK_ENV] = "1";
  else delete env[ADJUSTABLE_CLOCK_ENV];
  return env;
}

function hostOf(target: ClockHost): { url: string; keys: { masterKey: string } } {
  return "devhost" in target ? target.devhost : target;
}

async function callClock(target: ClockHost, init: RequestInit): Promise<HostClockReading> {
  const host = hostOf(target);
  const response = await fetch(`${host.url}/admin/host/clock`, {
    ...init,
    headers: { "content-type": "application/json", "x-functions-key": host.keys.masterKey },
  });
  const text = await response.text();
  if (response.status !== 200) {
    const hint =
      response.status === 404 ? " (was the host started with adjustableClock / DEVHOST_ADJUSTABLE_CLOCK=1?)" : "";
    throw new Error(`${init.method ?? "GET"} /admin/host/clock answered ${response.status}${hint}: ${text}`);
  }
  return JSON.parse(text) as HostClockReading;
}

/**
 * Moves a devhost's clock forward by `ms` (a test started it with the adjustable clock): durable timers and timer
 * triggers now due fire at once, and orchestrations see the later time. Returns the host's new time and offset.
 */
export function advanceHostClock(target: ClockHost, ms: number): Promise<HostClockReading> {
  return callClock(target, { method: "POST", body: JSON.stringify({ advanceMs: ms }) });
}

/** The devhost's current time and how far ahead of the real time it runs. */
export function readHostClock(target: ClockHost): Promise<HostClockReading> {
  return callClock(target, { method: "GET" });
}

/**
 * Waits until an orchestration instance waits on a durable timer (created, not yet fired) whose due time satisfies
 * `due`, and returns that time. Move the clock only once the timer exists: an orchestration that computes its timer
 * from `context.df.currentUtcDateTime` after the advance would compute it from the advanced time instead.
 */
export async function waitForDurableTimer(
  target: ClockHost,
  instanceId: string,
  due: (fireAt: Date) => boolean,
  timeoutMs = 30_000,
): Promise<Date> {
  const host = hostOf(target);
  const deadline = Date.now() + timeoutMs;
  let seen = "";
  while (Date.now() < deadline) {
    const response = await fetch(
      `${host.url}/runtime/webhooks/durabletask/instances/${encodeURIComponent(instanceId)}?showHistory=true`,
      { headers: { "x-functions-key": host.keys.masterKey } },
    );
    const text = await response.text();
    seen = `${response.status} ${text.slice(0, 500)}`;
    // 202 while the instance runs, 200 once it finished (as the extension answers).
    if (response.status === 200 || response.status === 202) {
      const events = (JSON.parse(text) as { historyEvents?: Array<{ EventType?: string; FireAt?: string }> })
        .historyEvents;
      seen = JSON.stringify((events ?? []).map((e) => [e.EventType, e.FireAt].filter(Boolean).join(" ")));
      // The status API shows a fired timer by its FireAt only (like the extension), so match on that.
      const fired = new Set((events ?? []).filter((e) => e.EventType === "TimerFired").map((e) => e.FireAt));
      const waiting = (events ?? [])
        .filter((e) => e.EventType === "TimerCreated" && e.FireAt !== undefined && !fired.has(e.FireAt))
        .map((e) => new Date(e.FireAt!))
        .find(due);
      if (waiting) return waiting;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `instance ${instanceId} did not wait on a matching durable timer within ${timeoutMs} ms; its history: ${seen}`,
  );
}
