# syntax=docker/dockerfile:1
# The service as a container: built with the dev toolchain, run with production dependencies only,
# as the unprivileged `node` user. Configuration is the environment (README "Configuration");
# logs are JSON lines on stdout.

# 1. Build: all dependencies (swc, Vite), compile src/, scripts/, migrations/ to dist/ and the
#    dashboard to dashboard/dist/.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY ormconfig.ts tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY migrations ./migrations
COPY dashboard ./dashboard
RUN node scripts/build.mjs --clean

# 2. Production dependencies only.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# 3. Runtime.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    PORT=4000 \
    HOST=0.0.0.0 \
    DATA_DIR=/data \
    LOG_FORMAT=json
WORKDIR /app
COPY --chown=node:node package.json ./
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=build --chown=node:node /app/dashboard/dist ./dashboard/dist
# Embedded PGlite (no DATABASE_URL) keeps its files here.
RUN mkdir -p /data && chown node:node /data
VOLUME /data
USER node
EXPOSE 4000
# Ready = database reachable, migrations done, models configured (/readyz; /healthz on builds without it).
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "const u='http://127.0.0.1:'+(process.env.PORT||4000);fetch(u+'/readyz').then(r=>r.status===404?fetch(u+'/healthz'):r).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/src/index.js"]
