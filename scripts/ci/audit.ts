// GraphQL-over-HTTP compliance: graphql-http's audits against the real server over a fresh database.
// Exits 1 if a MUST (error) or SHOULD (warn) audit fails; MAY audits that fail are only noted.
import { auditServer, type AuditResult } from "graphql-http";
import { startTestServer } from "../../test/support/server.ts";

const server = await startTestServer({ auth: "local" });
let results: AuditResult[];
try {
  results = await auditServer({ url: server.url, fetchFn: fetch });
} finally {
  await server.close();
}

const LABEL = { ok: "ok    ", notice: "notice", warn: "WARN  ", error: "ERROR " } as const;
for (const result of results) {
  console.log(`${LABEL[result.status]} ${result.id} ${result.name}`);
  if (result.status !== "ok") {
    const body = await result.response.text().catch(() => "(body already read)");
    console.log(`         ${result.reason}`);
    console.log(`         response: HTTP ${result.response.status} ${result.response.headers.get("content-type") ?? ""} ${body.slice(0, 300)}`);
  }
}

const count = (status: AuditResult["status"]) => results.filter((result) => result.status === status).length;
console.log(`\n${results.length} audits: ${count("ok")} ok, ${count("error")} MUST failed, ${count("warn")} SHOULD failed, ${count("notice")} MAY failed`);
process.exit(count("error") + count("warn") > 0 ? 1 : 0);
