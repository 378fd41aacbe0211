# whatworks on Debian 12: builds the binary and serves the evidence base.
#
# The Debian packages come from the Makefile's DEB_PACKAGES through `make
# deps`, so the list lives in one place. The build context is the git
# repository itself (.git included): the shipped evidence is imported from it
# with the git importer, like any partner's repository.
FROM debian:12

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends make \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /srv/whatworks
COPY Makefile ./
RUN make deps && rm -rf /var/lib/apt/lists/*

COPY . ./
RUN make BUILD=build build/whatworks \
 && install -m 0755 build/whatworks /usr/local/bin/whatworks \
 && useradd --system --home-dir /var/lib/whatworks --create-home whatworks \
 && chown -R whatworks /srv/whatworks

USER whatworks
ENV WHATWORKS_DATA_DIR=/var/lib/whatworks \
    WHATWORKS_LISTEN=0.0.0.0:8080
EXPOSE 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
CMD ["whatworks", "serve"]
