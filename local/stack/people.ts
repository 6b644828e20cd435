import type { LocalUser } from "../identity/config.js";
import { LocalUsageError } from "./errors.js";

/** The short name people type (`npm run -s token -- ada`): the first word of the display name, lower-case. */
export function personHandle(user: Pick<LocalUser, "displayName">): string {
  return user.displayName.split(/\s+/)[0]!.toLowerCase();
}

/** The person a command names, by handle, object ID or user principal name (case-insensitive). */
export function findPerson<T extends Pick<LocalUser, "displayName" | "objectId" | "userPrincipalName">>(
  people: readonly T[],
  name: string,
): T {
  const wanted = name.trim().toLowerCase();
  const person = people.find(
    (p) =>
      personHandle(p) === wanted ||
      p.objectId.toLowerCase() === wanted ||
      p.userPrincipalName?.toLowerCase() === wanted,
  );
  if (!person)
    throw new LocalUsageError(`no person "${name}" in the local stack; known: ${people.map(personHandle).join(", ")}`);
  return person;
}

/** What a person may do with the gate, in a few words (for the banner). */
export function describeRoles(roles: readonly string[]): string {
  if (roles.length === 0) return "no role on the gate (refused)";
  const notes: Record<string, string> = {
    "Quarantine.Approver": "approves",
    "Quarantine.Override": "break-glass",
    "Quarantine.Reader": "reads status and approvals",
  };
  return roles.map((r) => (notes[r] ? `${r} (${notes[r]})` : r)).join(", ");
}
