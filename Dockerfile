# Rally in a container: build in one stage, run the single binary in a slim one.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin rally

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/rally --create-home rally
COPY --from=build /src/target/release/rally /usr/local/bin/rally
USER rally
WORKDIR /var/lib/rally
# Two malloc arenas: glibc's default of eight per core lets a busy node's memory creep up through
# fragmentation that is never given back.
ENV RALLY_LISTEN=0.0.0.0:8080 RALLY_DATA_DIR=/var/lib/rally/data RALLY_LOG_FORMAT=json \
    MALLOC_ARENA_MAX=2
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s CMD ["rally", "health", "--addr", "127.0.0.1:8080"]
ENTRYPOINT ["rally"]
CMD ["serve"]
