# Wharf: one image, every role. `docker run wharf serve /etc/wharf/config.yml --roles registry`.
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.json tsconfig.base.json ./
COPY libs ./libs
COPY apps ./apps
COPY test/package.json ./test/package.json
COPY bench/package.json ./bench/package.json
RUN npm ci --no-audit --no-fund && npx tsc -b libs/* apps/registry apps/indexer apps/counter apps/deployer apps/api apps/dashboard \
 && npm run build -w @wharf/dashboard && npm prune --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim
WORKDIR /opt/wharf
COPY --from=build /src /opt/wharf
COPY bin ./bin
VOLUME /var/lib/registry
EXPOSE 5000 5080 5081
ENTRYPOINT ["node", "/opt/wharf/bin/wharf"]
CMD ["serve", "/etc/wharf/config.yml"]
