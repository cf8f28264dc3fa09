// The floor of the request path: graphql-yoga with a one-field schema, no auth, no database. It answers
// `{ __typename }`, which every server in bench/peers answers too.
//   PORT=… node --import tsx bench/peers/bare-yoga/server.ts
import { createServer } from "node:http";
import { createSchema, createYoga } from "graphql-yoga";

const { PORT = "4300" } = process.env;
const yoga = createYoga({
  schema: createSchema({ typeDefs: /* GraphQL */ `type Query { ok: Boolean }`, resolvers: { Query: { ok: () => true } } }),
  graphiql: false,
  logging: "warn",
});
const server = createServer(yoga);
server.listen(Number(PORT), "127.0.0.1", () => console.log(`bare yoga listening on http://127.0.0.1:${PORT}/graphql`));
const stop = () => server.close(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
