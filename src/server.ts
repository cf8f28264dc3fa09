// createYoga plus its HTTP and WebSocket wiring, nothing else.
import http from "node:http";
import { WebSocketServer } from "ws";
import { useServer } from "graphql-ws/use/ws";
import { createYoga, useReadinessCheck } from "graphql-yoga";
import { GraphQLError } from "graphql";
import { schema } from "./schema/index.ts";
import { authorizationOf, createContextFactory, type ServerDeps } from "./context.ts";
import { cachedAuthenticator } from "./auth/viewer-cache.ts";
import { classifyError } from "./errors.ts";
import { useLimits } from "./server/limits.ts";
import { errorBody, useErrorCodes } from "./server/error-codes.ts";
import { useAccessLog, describeOperation } from "./server/access-log.ts";
import { useMetrics } from "./server/metrics.ts";
import { backlog } from "./jobs/queue.ts";
import { persistedQueryFor, usePersisted } from "./server/persisted-operations.ts";
import { authenticateFirst, rateLimitKey } from "./server/authentication.ts";
import { createRateLimiter } from "./server/rate-limit.ts";
import { useSubscriptionGuard } from "./server/subscription-guard.ts";
import { tooManySubscriptions } from "./events/pubsub.ts";
import { cachedGraphiQL, compressResponses } from "./server/compression.ts";
import type { Logger } from "./logger.ts";
import { tenantIndexStatus } from "./search/tenant-indexes.ts";

export const GRAPHQL_PATH = "/graphql";

/** What GraphiQL shows the first time it opens (afterwards it remembers the user's own tabs). */
export const GRAPHIQL_WELCOME = `# Threadline: one GraphQL API for everything
# your AI application remembers.
#
# Run: Ctrl-Enter, or the play button.
# Schema and descriptions: the Docs panel (top left).
# With authentication on, fill in the Authorization
# header (Headers, below): a token or a tl_ API key.
# More in docs/API.md: search, memories, emotion, live.

query Overview {
  viewer { externalId name }
  conversations(first: 5, orderBy: [{ startedAt: Desc }]) {
    totalCount
    edges { node { id title status messageCount } }
  }
  memories(first: 3) {
    totalCount
    edges { node { content kind importance } }
  }
}

# subscription Live {
#   messageAdded { role content conversation { title } }
# }
`;

export function createGraphQLHandler(deps: ServerDeps & { logger: Logger }) {
  const { config, prisma, events, logger } = deps;
  const viewers = cachedAuthenticator(deps.authenticator, events.pubsub, config.viewerCacheMs);
  const authentication = authenticateFirst(viewers, deps.rateLimiter ?? createRateLimiter(config.rateLimit));
  const graphiql = cachedGraphiQL(async () => (await import("@graphql-yoga/render-graphiql")).renderGraphiQL);
  return createYoga({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    // Viewers are remembered briefly per credential, and forgotten on every instance when it is revoked;
    // authenticateFirst looked the viewer up before parsing; the context finds it in the cache.
    context: createContextFactory(deps, viewers),
    landingPage: false,
    // Self-contained GraphiQL (no CDN), so it works offline; subscriptions over graphql-ws. Rendered
    // once, compressed once, revalidated by ETag (./server/compression.ts).
    renderGraphiQL: graphiql.renderGraphiQL,
    graphiql: {
      title: "Threadline",
      subscriptionsProtocol: "WS",
      defaultQuery: GRAPHIQL_WELCOME,
      // With authentication on, the Headers tab starts with the one header every request needs.
      ...(config.auth.mode === "jwt" ? { headers: JSON.stringify({ Authorization: "Bearer <token or tl_ API key>" }, null, 2) } : {}),
    },
    healthCheckEndpoint: "/health",
    // Browsers may call with credentials only from CORS_ORIGINS. Without it: in production no
    // cross-origin access at all; elsewhere any origin, without credentials.
    cors: config.corsOrigins
      ? { origin: config.corsOrigins, credentials: true, allowedHeaders: ["authorization", "content-type"], methods: ["GET", "POST"] }
      : config.env === "production"
        ? false
        : { origin: "*", credentials: false },
    // Larger bodies are refused while they arrive (HTTP 413), not after being buffered.
    maxRequestBodySize: config.limits.maxRequestBytes,
    maskedErrors: {
      maskError: (error) => {
        const classified = classifyError(error, { exposeInternals: config.env !== "production" });
        if (classified.extensions.code === "INTERNAL_SERVER_ERROR") logger.error("unexpected error while executing", error);
        return classified;
      },
    },
    logging: {
      debug: (...args) => logger.debug(args.map(String).join(" ")),
      info: (...args) => logger.info(args.map(String).join(" ")),
      warn: (...args) => logger.warn(args.map(String).join(" ")),
      // Errors a client caused are already answered with a code; only unexpected ones are ERRORs.
      error: (...args) =>
        args.some((arg) => arg instanceof GraphQLError && arg.extensions?.code !== "INTERNAL_SERVER_ERROR")
          ? logger.debug(args.map(String).join(" "))
          : logger.error(args.map(String).join(" ")),
    },
    // Persisted operations are sent as { documentId, variables }.
    ...(config.persistedOperations ? { extraParamNames: ["documentId"] } : {}),
    plugins: [
      graphiql.plugin, // first: the access log and metrics then see the response it sends (a 304, say)
      authentication.plugin,
      ...(config.persistedOperations ? [usePersisted(config.persistedOperations)] : []),
      useLimits(config.limits),
      useSubscriptionGuard({ authenticator: deps.authenticator, pubsub: events.pubsub, recheckMs: config.subscriptions.recheckMs }),
      useErrorCodes(),
      // After useErrorCodes: it logs the codes clients see. Probes and scrapes only at debug level.
      useAccessLog(logger, { probes: ["/health", "/ready", ...(config.metricsPath ? [config.metricsPath] : [])] }),
      ...(config.metricsPath
        ? [useMetrics(config.metricsPath, { backlog: () => backlog(prisma), ...(deps.tenantIndexes ? { tenantIndexes: () => tenantIndexStatus(prisma) } : {}) })]
        : []),
      useReadinessCheck({
        endpoint: "/ready",
        check: async () => {
          await prisma.$queryRaw`SELECT 1`;
          await events.check();
        },
      }),
    ],
  });
}

/** An HTTP status means nothing on a socket: keep the code, drop the transport detail. */
function withoutHttpStatus(error: GraphQLError): GraphQLError {
  const { http: _status, ...extensions } = error.extensions;
  return new GraphQLError(error.message, { nodes: error.nodes, positions: error.positions, source: error.source, extensions });
}

export type GraphQLHandler = ReturnType<typeof createGraphQLHandler>;

export interface RunningServer {
  yoga: GraphQLHandler;
  http: http.Server;
  url: string;
  /** Stops accepting work, lets in-flight requests finish (up to the timeout), closes sockets. */
  close(): Promise<void>;
}

export async function startServer(deps: ServerDeps & { logger: Logger }, { host, port }: { host: string; port: number }): Promise<RunningServer> {
  // One set of buckets for HTTP and WebSocket operations alike.
  const rateLimiter = deps.rateLimiter ?? createRateLimiter(deps.config.rateLimit);
  const yoga = createGraphQLHandler({ ...deps, rateLimiter });
  const compress = compressResponses();
  const server = http.createServer((req, res) => compress(req, res, () => void yoga(req, res)));
  // Headers too large (431) or a malformed request: answer with a body that carries a code, as Yoga does.
  server.on("clientError", (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const [status, reason, message] =
      error.code === "HPE_HEADER_OVERFLOW"
        ? [431, "Request Header Fields Too Large", "The request's headers are too large"]
        : [400, "Bad Request", "The request is not valid HTTP"];
    const body = errorBody(status, message);
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
  // A WebSocket message is bounded like an HTTP body: a larger one closes the socket (1009) unparsed.
  const wsServer = new WebSocketServer({ server, path: GRAPHQL_PATH, maxPayload: deps.config.limits.maxRequestBytes });

  const wsCleanup = useServer(
    {
      execute: (args: any) => args.rootValue.execute(args),
      subscribe: (args: any) => args.rootValue.subscribe(args),
      onSubscribe: async (ctx, _id, payload) => {
        const query = persistedQueryFor(deps.config.persistedOperations, payload as typeof payload & { documentId?: unknown });
        const what = describeOperation(typeof query === "string" ? query : payload.query, payload.operationName);
        const refuse = (errors: GraphQLError[]) => {
          deps.logger.info(`WS ${what} refused: ${[...new Set(errors.map((e) => String(e.extensions?.code)))].join(",")}`);
          return errors;
        };
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
          connectionParams: ctx.connectionParams,
        });
        if (typeof query !== "string") return refuse([query]);
        // ctx.subscriptions holds this connection's operations in flight, this one included.
        const { maxPerConnection } = deps.config.subscriptions;
        if (Object.keys(ctx.subscriptions).length > maxPerConnection) {
          return refuse([tooManySubscriptions(`At most ${maxPerConnection} operations at once on one connection: end one before starting another`)]);
        }
        // Who is asking comes first: nothing is parsed for a subscriber without a valid credential.
        let contextValue;
        try {
          contextValue = await contextFactory();
          // Every operation on a socket takes from the same bucket as one over HTTP.
          await rateLimiter?.take(rateLimitKey(contextValue.credential, contextValue.viewer.id, authorizationOf({ connectionParams: ctx.connectionParams } as never)));
        } catch (error) {
          return refuse([withoutHttpStatus(classifyError(error, { exposeInternals: false }))]);
        }
        let document;
        try {
          document = parse(query);
        } catch (error) {
          return refuse([withoutHttpStatus(classifyError(error, { exposeInternals: true }))]);
        }
        const errors = validate(schema, document);
        if (errors.length > 0) return refuse(errors.map((e: GraphQLError) => withoutHttpStatus(classifyError(e, { exposeInternals: true }))));
        deps.logger.info(`WS ${what}`);
        return {
          schema,
          operationName: payload.operationName,
          document,
          variableValues: payload.variables,
          contextValue,
          rootValue: { execute, subscribe },
        };
      },
    },
    wsServer,
  );

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const actualPort = typeof address === "object" && address ? address.port : port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${actualPort}${GRAPHQL_PATH}`;

  let closing: Promise<void> | undefined;
  return {
    yoga,
    http: server,
    url,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await wsCleanup.dispose(); // tells subscribers the server is going away (1001)
        wsServer.close();
        const timeout = new Promise<void>((resolve) => setTimeout(resolve, deps.config.shutdownTimeoutMs).unref());
        await Promise.race([stopped, timeout]);
        server.closeAllConnections();
      })();
      return closing;
    },
  };
}
