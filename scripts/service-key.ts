// `npm run service-key -- create <name> | revoke <name> | list`: the operator's command for service
// keys, API keys that act for the user each request names (X-Threadline-Act-As). No GraphQL
// mutation makes one: a user can only ever make keys that act as themself.
// DATABASE_URL=postgres://… for a real server, else the PGlite folder THREADLINE_DATA_DIR (stop the
// server first when it uses the embedded database).
import "dotenv/config";
import { runScript } from "../src/db/script.ts";
import { createServiceKey, listServiceKeys, revokeServiceKey } from "../src/auth/service-keys.ts";

const usage = "usage: npm run service-key -- create <name> | revoke <name> | list";
await runScript("service-key", async (open) => {
  const [command, name] = process.argv.slice(2);
  if (command === "list") {
    const database = await open();
    for (const key of await listServiceKeys(database.prisma)) {
      console.log(`${key.name}\t${key.prefix}…\tcreated ${key.createdAt.toISOString()}\t${key.revokedAt ? `revoked ${key.revokedAt.toISOString()}` : "active"}`);
    }
    return;
  }
  if ((command !== "create" && command !== "revoke") || !name) throw new Error(usage);
  const database = await open();
  if (command === "create") {
    const key = await createServiceKey(database.prisma, name);
    console.log(`service key "${name}" (shown once, store it now):\n${key}`);
    console.log(`Send it as "Authorization: Bearer <key>" with "X-Threadline-Act-As: <the user's externalId>".`);
  } else {
    const revoked = await revokeServiceKey(database.prisma, name);
    console.log(revoked ? `revoked ${revoked} key(s) of "${name}"` : `no active service key named "${name}"`);
  }
});
