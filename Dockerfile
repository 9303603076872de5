# Cairn: one static-ish binary on a slim Debian base.
# Not built in Cairn's CI (no Docker engine there): keep it simple.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin cairn

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home /data --create-home cairn
COPY --from=build /src/target/release/cairn /usr/local/bin/cairn
USER cairn
WORKDIR /data
ENV CAIRN_LISTEN=0.0.0.0:8080 \
    CAIRN_DATABASE_URL=sqlite:///data/cairn.db
VOLUME ["/data"]
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/cairn"]
CMD ["serve"]
