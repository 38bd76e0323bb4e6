# gridcast image: the compiled CLI. Built by docker-compose.yml (not built in CI: no Docker engine there).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY simulators ./simulators
RUN npx tsc -p tsconfig.json

FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY simulators/fleet.example.yaml ./simulators/fleet.example.yaml
ENV NODE_ENV=production HTTP_HOST=0.0.0.0 DUCKDB_PATH=/app/data/gridcast.duckdb SPOOL_DIR=/app/data/spool
VOLUME /app/data
EXPOSE 8080
ENTRYPOINT ["node", "bin/gridcast.js"]
CMD ["ingest"]
