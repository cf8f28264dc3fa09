// PostGraphile 5 (amber preset) over Threadline's tables, as a peer in `npm run bench:peers`.
// Runs on Node 22 (this folder's `node` package). The bearer token is verified as Threadline verifies
// it (HS256, AUTH_JWT_SECRET); rows are filtered by the query's `condition: { userId }`, since this
// peer has no row-level security (the token's subject is not applied to the data).
//   DATABASE_URL=… AUTH_JWT_SECRET=… PORT=… node server.mjs
import { createServer } from "node:http";
import { jwtVerify } from "jose";
import { postgraphile } from "postgraphile";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";
import { grafserv } from "postgraphile/grafserv/node";

// Connections are kept (no idle timeout): on PGlite (through pglite-socket) every connection is the
// same session, where a reconnecting client would find its prepared statements already there.
const { DATABASE_URL, AUTH_JWT_SECRET, PORT = "4100", POOL_SIZE = "10" } = process.env;
if (!DATABASE_URL || !AUTH_JWT_SECRET) throw new Error("DATABASE_URL and AUTH_JWT_SECRET are required");
const secret = new TextEncoder().encode(AUTH_JWT_SECRET);

class Unauthenticated extends Error {
  extensions = { code: "UNAUTHENTICATED" };
}

/** @type {GraphileConfig.Preset} */
const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [makePgService({ connectionString: DATABASE_URL, schemas: ["public"], poolConfig: { max: Number(POOL_SIZE), idleTimeoutMillis: 0 } })],
  grafserv: { graphqlPath: "/graphql", graphiql: false, watch: false },
  grafast: {
    explain: false,
    async context(requestContext) {
      const header = requestContext.node?.req?.headers.authorization ?? "";
      const token = header.startsWith("Bearer ") ? header.slice(7) : "";
      try {
        const { payload } = await jwtVerify(token, secret, { algorithms: ["HS256"] });
        return { benchSubject: payload.sub };
      } catch {
        throw new Unauthenticated("A valid bearer token is required");
      }
    },
  },
};

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const server = createServer();
serv.addTo(server).catch((error) => {
  console.error(error);
  process.exit(1);
});
await pgl.getSchemaResult(); // introspect before answering, so the first measured request is not the one that builds the schema
server.listen(Number(PORT), "127.0.0.1", () => console.log(`postgraphile listening on http://127.0.0.1:${PORT}/graphql`));
const stop = () => server.close(() => pgl.release().finally(() => process.exit(0)));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
