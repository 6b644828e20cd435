import { startLocalStack, type LocalStack } from "../../local/stack/compose.js";
import { personToken, registryCredentials } from "../../local/stack/credentials.js";
import {
  APP_IDENTITY,
  CONSUMER_IDENTITY,
  DEMO_CREDENTIALS,
  DEVELOPER_IDENTITY,
  STACK_PEOPLE,
} from "../../local/stack/defaults.js";
import { freshTempDir, localStateRoot } from "./paths.js";

export const PEOPLE = {
  approver: STACK_PEOPLE[0]!,
  breakGlass: STACK_PEOPLE[1]!,
  viewer: STACK_PEOPLE[2]!,
  reader: STACK_PEOPLE[3]!,
};

export interface TestStack extends LocalStack {
  stateDir: string;
  pushCreds: string;
  /** AcrPull credentials via the real exchange (null GUID + refresh token). */
  pullCreds(): Promise<string>;
  /**
   * A person's delegated access token for the approver API (by default asked for its App ID URI, as
   * `az account get-access-token --resource <uri>` does); its shape follows the API registration's token version.
   */
  personToken(person: keyof typeof PEOPLE, audience?: string): Promise<string>;
  /** GET api/images/status for an image, with the function key. */
  status(reference: string): Promise<{ status: number; body: Record<string, unknown> }>;
  /** Polls the image status until `done` says so (or times out). */
  waitForStatus(
    reference: string,
    done: (body: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  /**
   * The notification deliveries (notifyEvent instances, `ntf-…`, one per event) through the keyed durable API, with their
   * inputs and outputs as the host stores them.
   */
  deliveries(): Promise<Array<{ instanceId: string; runtimeStatus: string; input: unknown; output: unknown }>>;
  /**
   * Waits until no notification delivery is Pending or Running any more (all of them ended: delivered, duplicate or
   * dead letter). Deliveries run beside the pipelines, so a test reads the sinks after this, not after the pipeline.
   */
  waitForDeliveries(timeoutMs?: number): Promise<void>;
}

/** The whole local stack for an end-to-end test file, in this process (the devhost owns process.env while it runs). */
export async function startTestStack(
  options: {
    settings?: Record<string, string>;
    stateDir?: string;
    scanWorker?: boolean;
    /** The registry's principals and their roles (default: as infra grants them for these settings). */
    principals?: Parameters<typeof startLocalStack>[0]["principals"];
    /** The devhost's clock can be moved forward with advanceHostClock (test/support/host-clock.ts). */
    adjustableClock?: boolean;
    /** Extra environment for the scan worker and its Trivy stand-in (e.g. TRIVY_STANDIN_REPORTS). */
    scanWorkerEnv?: Record<string, string>;
  } = {},
): Promise<TestStack> {
  const stateDir = options.stateDir ?? freshTempDir("stack");
  const stack = await startLocalStack({
    stateDir,
    caDir: localStateRoot("tls"),
    identities: [APP_IDENTITY, DEVELOPER_IDENTITY, CONSUMER_IDENTITY],
    users: Object.values(PEOPLE),
    // No sweep firing on its own in the middle of a test (tests run it on purpose through the admin API).
    settings: { SWEEP_SCHEDULE: "0 0 0 1 1 *", ...options.settings },
    logSinks: [],
    ...(options.scanWorker === undefined ? {} : { scanWorker: options.scanWorker }),
    ...(options.principals === undefined ? {} : { principals: options.principals }),
    // Off unless asked for, whatever the environment of the test run says.
    adjustableClock: options.adjustableClock ?? false,
    ...(options.scanWorkerEnv === undefined ? {} : { scanWorkerEnv: options.scanWorkerEnv }),
  });
  const self: TestStack = {
    ...stack,
    stateDir,
    pushCreds: `${DEMO_CREDENTIALS.username}:${DEMO_CREDENTIALS.password}`,
    pullCreds: () => registryCredentials(stack.identity, stack.acr, CONSUMER_IDENTITY.clientId),
    personToken: (person, audience) => personToken(stack.identity, PEOPLE[person].objectId, audience),
    async status(reference) {
      const response = await fetch(`${stack.devhost.url}/api/images/status?image=${encodeURIComponent(reference)}`, {
        headers: { "x-functions-key": stack.devhost.keys.functionKey },
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },
    async waitForStatus(reference, done, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      let last: Record<string, unknown> = {};
      while (Date.now() < deadline) {
        const { body } = await self.status(reference);
        last = body;
        if (done(body)) return body;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`timed out waiting for ${reference}; last status: ${JSON.stringify(last).slice(0, 2000)}`);
    },
    async deliveries() {
      const all: Array<{ instanceId: string; runtimeStatus: string; input: unknown; output: unknown }> = [];
      let continuation: string | undefined;
      do {
        const response = await fetch(
          `${stack.devhost.url}/runtime/webhooks/durabletask/instances/?instanceIdPrefix=ntf-&showInput=true&top=1000`,
          {
            headers: {
              "x-functions-key": stack.devhost.keys.durableSystemKey,
              ...(continuation ? { "x-ms-continuation-token": continuation } : {}),
            },
          },
        );
        if (response.status !== 200) throw new Error(`durable instances answered ${response.status}`);
        all.push(...((await response.json()) as typeof all));
        continuation = response.headers.get("x-ms-continuation-token") ?? undefined;
      } while (continuation);
      return all;
    },
    async waitForDeliveries(timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const live = (await self.deliveries()).filter((d) => ["Pending", "Running"].includes(d.runtimeStatus));
        if (live.length === 0) return;
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error("timed out waiting for the notification deliveries to end");
    },
  };
  return self;
}
