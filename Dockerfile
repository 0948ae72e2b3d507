# syntax=docker/dockerfile:1
# jcp-status: built with tsc, run with plain node as a non-root user.
# Production sets DATABASE_URL (PostgreSQL), X_API_BASE_URL, X_APP_KEY, X_APP_SECRET,
# X_CREDENTIALS_KEY and OPT_OUT_HASH_KEY (the same in every process; see docs/security.md).
# The default command runs apps/serve: the API with the fan-out dispatcher (unless
# FANOUT_ENABLED=false) and the mention reader (unless MENTIONS_ENABLED=false) beside it;
# `node services/worker/dist/main.js` runs a standalone worker, and
# `node services/api/dist/cli/rotate-credentials.js` seals every account's X tokens again under
# X_CREDENTIALS_KEY (with the old key as X_CREDENTIALS_KEY_PREVIOUS). The image holds no X
# emulator: neither services/x-emulator nor apps/start (`pnpm start`) is copied, installed or
# built. pnpm installs the workspace projects that are present and skips the others the
# lockfile names.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS base
ENV PNPM_HOME=/pnpm PATH=/pnpm:$PATH CI=true
# corepack's signature check cannot be relied on; install the pinned pnpm with npm.
RUN npm install --global --no-fund --no-audit pnpm@12.4.2
WORKDIR /app

# Only the manifests, so that the dependency layers are cached until they change.
FROM base AS manifests
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
COPY packages/config/package.json packages/config/
COPY packages/log/package.json packages/log/
COPY packages/domain/package.json packages/domain/
COPY packages/db/package.json packages/db/
COPY packages/x-client/package.json packages/x-client/
COPY packages/use-cases/package.json packages/use-cases/
COPY services/api/package.json services/api/
COPY services/worker/package.json services/worker/
COPY apps/serve/package.json apps/serve/

FROM manifests AS build
RUN pnpm install --frozen-lockfile
COPY tsconfig.base.json tsconfig.json ./
# What the manifests stage named, and nothing else (the emulator would not even build: its
# dependencies are not installed).
COPY packages/config packages/config
COPY packages/log packages/log
COPY packages/domain packages/domain
COPY packages/db packages/db
COPY packages/x-client packages/x-client
COPY packages/use-cases packages/use-cases
COPY services/api services/api
COPY services/worker services/worker
COPY apps/serve apps/serve
RUN pnpm build

FROM manifests AS prod-deps
RUN pnpm install --frozen-lockfile --prod

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 LOG_FORMAT=json
WORKDIR /app
COPY --from=prod-deps --chown=root:root /app ./
COPY --from=build /app/packages/config/dist packages/config/dist
COPY --from=build /app/packages/log/dist packages/log/dist
COPY --from=build /app/packages/domain/dist packages/domain/dist
COPY --from=build /app/packages/db/dist packages/db/dist
COPY --from=build /app/packages/x-client/dist packages/x-client/dist
COPY --from=build /app/packages/use-cases/dist packages/use-cases/dist
COPY --from=build /app/services/worker/dist services/worker/dist
COPY --from=build /app/services/api/dist services/api/dist
COPY --from=build /app/apps/serve/dist apps/serve/dist
COPY migrations migrations
COPY data data
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "apps/serve/dist/main.js"]
