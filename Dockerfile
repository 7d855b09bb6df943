# Cascade (issue #17): built once, run as a non-root user, with a health check. Debian-based Node 20.
# docs/deploy.md explains the volumes and the config.

# ---- build: native modules (better-sqlite3, better-sqlite3-multiple-ciphers) compile here ----
FROM node:20-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json drizzle.config.ts ./
COPY src ./src
COPY adapters ./adapters
COPY migrations ./migrations
COPY config ./config
COPY bin ./bin
RUN npx tsc --noEmit -p tsconfig.build.json && npm prune --omit=dev --no-audit --no-fund

# ---- run ----
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    CASCADE_DATA_DIR=/var/lib/cascade \
    CASCADE_CONFIG=/etc/cascade/cascade.yaml
RUN groupadd --system cascade && useradd --system --gid cascade --home-dir /var/lib/cascade --shell /usr/sbin/nologin cascade \
 && mkdir -p /var/lib/cascade /etc/cascade && chown cascade:cascade /var/lib/cascade
WORKDIR /app
COPY --from=build --chown=root:root /app /app
USER cascade
VOLUME ["/var/lib/cascade"]
# The web console (web.listen must be 0.0.0.0:3000 in the container) and a OneBot reverse listener.
EXPOSE 3000 6700
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:3000/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
STOPSIGNAL SIGTERM
CMD ["node", "--max-old-space-size=512", "--import", "tsx", "src/cli.ts", "start"]
