# syntax=docker/dockerfile:1
# Threadline's production image. `docker build -t threadline .`, then e.g.
#   docker run -p 4000:4000 -e AUTH_JWT_SECRET=... -v threadline-data:/data threadline
# (embedded database in the volume), or with DATABASE_URL / REDIS_URL as in compose.yaml.
# .ci/run proves these steps without a Docker daemon: scripts/ci/docker-image.ts runs them in order
# on a clean copy of the tree, as an unprivileged user, and checks the properties below.
ARG NODE_IMAGE=node:24-bookworm-slim

# 1. Build: every dependency, the Prisma client generated, src/ bundled into dist/main.js, and the
#    embedded database's template cluster (scripts/pglite-template.mjs).
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-audit --no-fund
COPY prisma.config.ts ./
COPY prisma ./prisma
COPY scripts ./scripts
COPY src ./src
RUN node scripts/build.mjs --force
# The embedded database's new cluster, made once here, so a container's first start skips initdb.
RUN node scripts/pglite-template.mjs

# 2. Production dependencies only: --omit=optional too, or npm keeps the Prisma CLI and TypeScript
# (optional peers of @prisma/client, 130 packages) that only the build needs. npm's cache is a
# build cache mount, so it never lands in a layer.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund

# 3. The image: node runs the compiled server as PID 1 (no npm or tsx in between, so SIGTERM from
# `docker stop` reaches it and drains), as the unprivileged `node` user of the base image.
FROM ${NODE_IMAGE}
ENV NODE_ENV=production HOST=0.0.0.0 PORT=4000 THREADLINE_DATA_DIR=/data
WORKDIR /app
COPY package.json ./
COPY prisma/migrations ./prisma/migrations
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/node_modules/.cache/threadline ./node_modules/.cache/threadline
RUN mkdir -p /data && chown node:node /data
USER node
# The embedded database's folder (unused when DATABASE_URL is set).
VOLUME ["/data"]
EXPOSE 4000
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--enable-source-maps", "dist/main.js"]
