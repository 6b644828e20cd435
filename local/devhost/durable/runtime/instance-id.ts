import { randomUUID } from "node:crypto";

/** The extension's limit for instance ids. */
const MAX_INSTANCE_ID_LENGTH = 256;

/** Returns why an instance id is unacceptable (the extension's rules), or undefined when it is fine. */
export function instanceIdProblem(instanceId: string): string | undefined {
  if (instanceId.length === 0) return "Instance ids must not be empty.";
  if (instanceId.length > MAX_INSTANCE_ID_LENGTH)
    return `Instance ID lengths must not exceed ${MAX_INSTANCE_ID_LENGTH} characters.`;
  if (instanceId.startsWith("@")) return "Orchestration instance ids must not start with @.";
  if ([...instanceId].some(isForbiddenCharacter)) {
    return "Orchestration instance ids must not contain /, \\, #, ?, or control characters.";
  }
  return undefined;
}

/** The characters the extension refuses (they are also invalid in Table Storage keys). */
function isForbiddenCharacter(character: string): boolean {
  const code = character.codePointAt(0) ?? 0;
  return "/\\?#".includes(character) || code <= 0x1f || (code >= 0x7f && code <= 0x9f);
}

/** A new instance id: a GUID without dashes, like the extension's Guid.ToString("N"). */
export function newInstanceId(): string {
  return randomUUID().replace(/-/g, "");
}

export function newExecutionId(): string {
  return randomUUID().replace(/-/g, "");
}
