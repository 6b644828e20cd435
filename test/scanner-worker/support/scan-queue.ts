import { QueueClient } from "@azure/storage-queue";
import { QueueScanDispatcher } from "../../../src/scanning/queue/dispatcher.js";
import { decodeQueueMessage } from "../../../src/scanning/queue/message.js";
import type { LocalAcr } from "../../support/local-acr.js";
import type { FakeGate } from "./fake-gate.js";

export interface TestQueues {
  scan: QueueClient;
  poison: QueueClient;
  /** Puts a scan request on the queue exactly as the gate does (its own dispatcher, a real pull token). */
  dispatch(repository: string, digest: string, scanId: string): Promise<void>;
  /** Every message currently on a queue (peeked: visible ones only), decoded. */
  peek(queue: QueueClient): Promise<unknown[]>;
  /** All messages on the queue, visible or not. */
  count(queue: QueueClient): Promise<number>;
}

export async function testQueues(
  connectionString: string,
  name: string,
  local: LocalAcr,
  gate: FakeGate,
): Promise<TestQueues> {
  const scan = new QueueClient(connectionString, name);
  const poison = new QueueClient(connectionString, `${name}-poison`);
  await scan.createIfNotExists();
  await poison.createIfNotExists();
  const dispatcher = new QueueScanDispatcher({
    queue: scan,
    callbackBaseUrl: gate.callbackBaseUrl,
    // The gate's identity in the emulator holds AcrQuarantineReader: its tokens pull quarantined images.
    pullTokens: { pullToken: (_server, repository) => local.accessToken("gate", [`repository:${repository}:pull`]) },
  });
  return {
    scan,
    poison,
    async dispatch(repository, digest, scanId) {
      const sent = await dispatcher.dispatch(
        { loginServer: local.acr.loginServer, repository, digest },
        scanId,
        new Date(),
      );
      gate.expect(scanId, sent.callbackTokenHash);
    },
    async peek(queue) {
      const { peekedMessageItems } = await queue.peekMessages({ numberOfMessages: 32 });
      return peekedMessageItems.map((m) => decodeQueueMessage(m.messageText));
    },
    async count(queue) {
      const properties = await queue.getProperties();
      return properties.approximateMessagesCount ?? 0;
    },
  };
}
