# syntax=docker/dockerfile:1
# thidua: one image for both the api and the Temporal worker.
#   api:    node dist/api/main.js     (PORT 3000)
#   worker: node dist/worker/main.js
# Debian (glibc) base on purpose: @temporalio/core-bridge ships prebuilt
# glibc binaries; do not switch to alpine/musl without checking them.
ARG NODE_IMAGE=node:20.19.5-bookworm-slim

# ---- build: full deps, compile TypeScript to dist/ -------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# ---- runtime: production deps only ------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    DATA_DIR=/data
WORKDIR /app
# The worker prints every official document to PDF with Debian's Chromium; fonts-liberation2 has
# Times New Roman's metrics with the precomposed Vietnamese capitals (see README: PDF documents).
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-liberation2 \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force \
 && mkdir -p /data \
 && chown node:node /data
COPY --from=build /app/dist ./dist
COPY templates ./templates
COPY config ./config
# /data is owned by `node`, so a fresh named volume mounted there is writable.
VOLUME ["/data"]
USER node
EXPOSE 3000
CMD ["node", "dist/api/main.js"]
