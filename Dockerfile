# syntax=docker/dockerfile:1
# One image for the seven services (ingestion validation drift training registry serving
# experiments). SERVICE picks the one to run: a build arg baked into the image's environment, and
# an environment variable that can still override it at run time.
#
#   docker build --build-arg SERVICE=serving -t churn-mlops/serving:local .
#   docker run --rm -p 3006:3006 -e KAFKA_BROKERS=... churn-mlops/serving:local
#
# docker-compose.yml builds it once per service; every stage but the last is shared and cached.
ARG NODE_IMAGE=node:20-bookworm-slim

# ---- manifests: only the package.json files, so `npm ci` is cached until a dependency changes
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN mkdir -p /manifests \
 && cp package.json package-lock.json .npmrc /manifests/ \
 && for f in libs/*/package.json services/*/package.json; do \
      if [ -f "$f" ]; then cp --parents "$f" /manifests/; fi; \
    done

# ---- deps: the workspace's node_modules
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
# onnxruntime-node ships its CPU binaries; its postinstall would download CUDA libraries.
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY --from=manifests /manifests/ ./
RUN npm ci --no-audit --no-fund

# ---- build: compile the libs and services, then drop the dev dependencies
FROM deps AS build
COPY . .
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# ---- runtime
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    MLOPS_ENV=development \
    MLOPS_CONFIG_DIR=/app/config \
    REGISTRY_ARTIFACT_ROOT=/var/lib/mlops/artifacts
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/libs ./libs
COPY --from=build /app/services ./services
COPY --from=build /app/config ./config
COPY --from=build /app/data ./data
RUN mkdir -p /var/lib/mlops/artifacts && chown -R node:node /var/lib/mlops
ARG SERVICE=""
ENV SERVICE=${SERVICE}
USER node
STOPSIGNAL SIGTERM
# exec: node is the process that receives SIGTERM (graceful shutdown of consumers and servers).
CMD ["sh", "-c", "if [ -z \"$SERVICE\" ]; then echo 'Set SERVICE to one of: ingestion validation drift training registry serving experiments' >&2; exit 64; fi; exec node \"services/$SERVICE/dist/main.js\""]
