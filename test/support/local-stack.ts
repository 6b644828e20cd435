import { startLocalStack, APPROVER_AUDIENCE, type LocalStack } from "../../local/stack/compose.js";
import { APP_IDENTITY, CONSUMER_IDENTITY, DEMO_CREDENTIALS, DEVELOPER_IDENTITY, STACK_PEOPLE } from "../../local/stack/defaults.js";
import { freshTempDir, localStateRoot } from "./paths.js";

export const PEOPLE = { approver: STACK_PEOPLE[0]!, breakGlass: STACK_PEOPLE[1]!, viewer: STACK_PEOPLE[2]! };

export interface TestStack extends LocalStack {
  stateDir: string;
  pushCreds: string;
  /** AcrPull credentials via the real exchange (null GUID + refresh token). */
  pullCreds(): Promise<string>;
  personToken(person: keyof typeof PEOPLE): Promise<string>;
  /** GET api/images/status for an image, with the function key. */
  status(reference: string): Promise<{ status: number; body: Record<string, unknown> }>;
  /** Polls the image status until `done` says so (or times out). */
  waitForStatus(reference: string, done: (body: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

/** The whole local stack for an end-to-end test file, in this process (the devhost owns process.env while it runs). */
export async function startTestStack(options: { settings?: Record<string, string>; stateDir?: string } = {}): Promise<TestStack> {
  const stateDir = options.stateDir ?? freshTempDir("stack");
  const stack = await startLocalStack({
    stateDir,
    caDir: localStateRoot("tls"),
    identities: [APP_IDENTITY, DEVELOPER_IDENTITY, CONSUMER_IDENTITY],
    users: Object.values(PEOPLE),
    settings: options.settings,
    logSinks: [],
  });
  const self: TestStack = {
    ...stack,
    stateDir,
    pushCreds: `${DEMO_CREDENTIALS.username}:${DEMO_CREDENTIALS.password}`,
    async pullCreds() {
      const url = `${stack.identity.endpoint}?api-version=2019-08-01&resource=https://containerregistry.azure.net&client_id=${CONSUMER_IDENTITY.clientId}`;
      const aad = ((await (await fetch(url, { headers: { "X-IDENTITY-HEADER": stack.identity.identityHeader } })).json()) as { access_token: string }).access_token;
      const form = new URLSearchParams({ grant_type: "access_token", service: stack.acr.loginServer, access_token: aad });
      const refresh = ((await (await fetch(`${stack.acr.url}/oauth2/exchange`, { method: "POST", body: form })).json()) as { refresh_token: string }).refresh_token;
      return `00000000-0000-0000-0000-000000000000:${refresh}`;
    },
    async personToken(person) {
      const response = await fetch(`${stack.identity.baseUrl}/admin/user-token`, {
        method: "POST",
        headers: { "X-IDENTITY-HEADER": stack.identity.identityHeader, "Content-Type": "application/json" },
        body: JSON.stringify({ objectId: PEOPLE[person].objectId, audience: APPROVER_AUDIENCE }),
      });
      return ((await response.json()) as { access_token: string }).access_token;
    },
    async status(reference) {
      const response = await fetch(`${stack.devhost.url}/api/images/status?image=${encodeURIComponent(reference)}`, { headers: { "x-functions-key": stack.devhost.keys.functionKey } });
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
  };
  return self;
}
