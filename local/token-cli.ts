import { parseArgs } from "node:util";
import { personToken } from "./stack/credentials.js";
import { findRunningStack } from "./stack/descriptor.js";
import { LocalUsageError } from "./stack/errors.js";
import { stackStateDir } from "./stack/paths.js";
import { findPerson } from "./stack/people.js";
import { runCli } from "./stack/cli.js";

const USAGE = `usage: npm run -s token -- <person> [--audience <uri or client id>]

Prints a delegated access token of a person of the running \`npm start\` stack, for the approvals API by default
(people: ada — approver, bo — approver with break-glass, vi — no role, rita — reader). Meant for commands such as
  curl -H "Authorization: Bearer $(npm run -s token -- ada)" http://127.0.0.1:7071/api/approvals`;

await runCli(USAGE, async (argv) => {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { audience: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) return console.log(USAGE);
  if (positionals.length !== 1) throw new LocalUsageError("name exactly one person");
  const stack = await findRunningStack(stackStateDir());
  const person = findPerson(stack.people, positionals[0]!);
  process.stdout.write(`${await personToken(stack.identity, person.objectId, values.audience)}\n`);
});
