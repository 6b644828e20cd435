import { DefaultAzureCredential, type TokenCredential } from "@azure/identity";
import { QueueClient } from "@azure/storage-queue";
import type { QueueLocation } from "./config.js";

/** One request as the queue hands it out. */
export interface ReceivedRequest {
  messageId: string;
  popReceipt: string;
  /** How often the queue has handed this message out, this time included (Get Messages, DequeueCount). */
  dequeueCount: number;
  messageText: string;
}

/** What the worker does with the scan queue and the poison queue; QueueClient-backed in production and in tests. */
export interface WorkerQueues {
  /** At most one request, invisible to others for `visibilityTimeoutSeconds`; undefined when none is visible. */
  receive(visibilityTimeoutSeconds: number): Promise<ReceivedRequest | undefined>;
  /** Removes a handled request. False when it is no longer ours (its visibility ran out and someone else has it). */
  delete(request: ReceivedRequest): Promise<boolean>;
  /** Puts a record on the poison queue (the caller deletes the request afterwards). */
  poison(text: string): Promise<void>;
}

/**
 * A QueueClient for one queue: by connection string (Azurite locally) or by the workload's managed identity, with
 * DefaultAzureCredential like the rest of the product (src/storage/clients.ts); `clientId` picks the user-assigned
 * identity.
 */
export function queueClient(location: QueueLocation, queueName: string, credential?: TokenCredential): QueueClient {
  if (location.kind === "connectionString") return new QueueClient(location.connectionString, queueName);
  return new QueueClient(
    `${location.serviceUrl}/${queueName}`,
    credential ?? new DefaultAzureCredential(location.clientId ? { managedIdentityClientId: location.clientId } : {}),
  );
}

/**
 * The two queues through @azure/storage-queue. Visibility is set once, on receive, long enough for a whole scan
 * (QueueClient.receiveMessages, option visibilityTimeout; REST Get Messages `visibilitytimeout`): no renewal, because
 * renewing is Update Message, which needs messages/write, a data action that Storage Queue Data Message Processor
 * does not grant (its data actions are messages/read and messages/process/action; built-in roles reference, Storage).
 */
export function storageQueues(scan: QueueClient, poisonQueue: QueueClient): WorkerQueues {
  return {
    async receive(visibilityTimeoutSeconds) {
      const { receivedMessageItems } = await scan.receiveMessages({
        numberOfMessages: 1,
        visibilityTimeout: visibilityTimeoutSeconds,
      });
      const item = receivedMessageItems[0];
      if (!item) return undefined;
      return {
        messageId: item.messageId,
        popReceipt: item.popReceipt,
        dequeueCount: item.dequeueCount,
        messageText: item.messageText,
      };
    },
    async delete(request) {
      try {
        await scan.deleteMessage(request.messageId, request.popReceipt);
        return true;
      } catch (error) {
        // 404 MessageNotFound (someone else deleted it) or 400 PopReceiptMismatch (someone else received it since):
        // either way the request is no longer this worker's to delete (Delete Message, error codes).
        const status = (error as { statusCode?: unknown }).statusCode;
        if (status === 404 || status === 400) return false;
        throw error;
      }
    },
    async poison(text) {
      await poisonQueue.sendMessage(text);
    },
  };
}
