/**
 * Azure Table Storage caps a string property at 64 KiB (32 K UTF-16 characters) and an entity at 1 MiB, so long JSON
 * (inputs, outputs, history events) is split over `Name`, `Name_1`, `Name_2`… and joined again on read.
 */
const CHUNK_CHARS = 30_000;
const MAX_CHUNKS = 15;

export type TableEntity = Record<string, unknown> & { partitionKey: string; rowKey: string };

export function putLargeString(
  entity: Record<string, unknown>,
  name: string,
  value: string | undefined | null,
  what: string,
): void {
  if (value === undefined || value === null) return;
  const chunks = Math.max(1, Math.ceil(value.length / CHUNK_CHARS));
  if (chunks > MAX_CHUNKS) {
    throw new Error(
      `${what} is ${value.length} characters long; the devhost stores at most ${CHUNK_CHARS * MAX_CHUNKS} characters per value.`,
    );
  }
  for (let i = 0; i < chunks; i++) {
    entity[i === 0 ? name : `${name}_${i}`] = value.slice(i * CHUNK_CHARS, (i + 1) * CHUNK_CHARS);
  }
}

export function getLargeString(entity: Record<string, unknown>, name: string): string | undefined {
  const first = entity[name];
  if (typeof first !== "string") return undefined;
  let value = first;
  for (let i = 1; i < MAX_CHUNKS; i++) {
    const next = entity[`${name}_${i}`];
    if (typeof next !== "string") break;
    value += next;
  }
  return value;
}
