/**
 * Passes repository names through in batches, first asking for the batch's listing tokens in one request: a sweep of
 * 10,000 repositories then makes about 400 token requests instead of 10,000.
 */
export async function* withPrefetchedTokens(
  repositories: AsyncIterable<string>,
  prefetch: (batch: readonly string[]) => Promise<void>,
  batchSize = 25,
): AsyncGenerator<string, void, undefined> {
  let batch: string[] = [];
  for await (const repository of repositories) {
    batch.push(repository);
    if (batch.length === batchSize) {
      await prefetch(batch);
      yield* batch;
      batch = [];
    }
  }
  if (batch.length > 0) {
    await prefetch(batch);
    yield* batch;
  }
}
