# gridcast image: the compiled CLI, on Node 22 LTS (docs/deployment.md: "Node versions"). Built by docker-compose.yml (not built in CI: no Docker engine there).
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
ENV SCARF_ANALYTICS=false
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY simulators ./simulators
RUN npx tsc -p tsconfig.json

FROM node:22-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY simulators/fleet.example.yaml ./simulators/fleet.example.yaml
# The built-in page's static files (served next to the compiled API) and the example dispatch settings.
COPY --from=build /app/src/api/ui ./dist/src/api/ui
COPY examples ./examples
ENV NODE_ENV=production HTTP_HOST=0.0.0.0 DUCKDB_PATH=/app/data/gridcast.duckdb SPOOL_DIR=/app/data/spool MODELS_DIR=/app/models
# Not root: the image's `node` user owns only what gridcast writes (a new named volume takes these owners).
RUN mkdir -p /app/data /app/models && chown node:node /app/data /app/models
USER node
VOLUME /app/data
EXPOSE 8080
# /health answers as soon as the HTTP server runs (ingest, schedule, start); `simulate` has no server, so
# docker-compose.yml turns the check off for it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.HTTP_PORT || 8080) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/gridcast.js"]
CMD ["ingest"]
