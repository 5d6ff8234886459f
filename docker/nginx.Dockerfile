# docker/nginx.Dockerfile -- the load balancer of docker/compose.scale.yaml.
#
# Debian's nginx on the same debian:bookworm-slim base as synesthd, so that the
# scale-out needs no other registry image.  Build context: docker/.
# Runs as www-data on port 8080 with docker/nginx.conf.
FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      nginx-light \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log \
 && rm -f /etc/nginx/sites-enabled/default
COPY nginx.conf /etc/nginx/nginx.conf
USER www-data
EXPOSE 8080
STOPSIGNAL SIGQUIT
# -e stderr: the start-up log goes to stderr, not to /var/log/nginx (root-owned)
ENTRYPOINT ["nginx", "-e", "stderr", "-g", "daemon off;"]
