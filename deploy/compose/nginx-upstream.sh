#!/bin/sh
# Run by the nginx image before it starts (/docker-entrypoint.d/): installs the shipped
# deploy/nginx/sitmap.conf (mounted at /etc/sitmap/nginx-sitmap.conf) with its upstream
# servers replaced by $SITMAP_UPSTREAM, the compose service name that resolves to every
# worker replica, and removes the image's default site (it would answer port 80 first).
# SITMAP_NGINX_SITE and SITMAP_NGINX_OUT name the two files elsewhere (tests do).
set -eu
site="${SITMAP_NGINX_SITE:-/etc/sitmap/nginx-sitmap.conf}"
out="${SITMAP_NGINX_OUT:-/etc/nginx/conf.d/sitmap.conf}"
sed -e '/^upstream sitmap_workers {/,/^}/{/^[[:space:]]*server /d;/^[[:space:]]*#/d;}' \
    -e "s|^upstream sitmap_workers {|upstream sitmap_workers {\n    server ${SITMAP_UPSTREAM} max_fails=3 fail_timeout=5s;|" \
    "$site" > "$out"
if [ -z "${SITMAP_NGINX_OUT:-}" ]; then
    rm -f /etc/nginx/conf.d/default.conf
fi
