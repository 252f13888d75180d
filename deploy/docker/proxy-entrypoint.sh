#!/usr/bin/env bash
# The proxy container's entry point: renders the nginx site from the environment
# (deploy/nginx/render.sh), checks it with nginx -t, then runs the command (nginx).
# Without a mounted certificate it makes a self-signed one for this start only, and says so:
# fine for a first look, never for schools (their clients would have to skip verification).
#
# Environment: render.sh's (MW_PROXY_*, MW_MAX_BODY, ...), and, for tests,
#   MW_PROXY_RENDER            the renderer (/opt/mentorwatch/nginx/render.sh)
#   MW_PROXY_SITE_FILE         where the site goes (/etc/nginx/sites-enabled/mentorwatch.conf)
#   MW_PROXY_SELF_SIGNED_DIR   where a self-signed certificate goes (/run/mentorwatch-tls)
#   MW_PROXY_NGINX_CONF        the nginx.conf that includes the site, for nginx -t
#                              (/etc/nginx/nginx.conf; empty: skip the check)
set -euo pipefail

render=${MW_PROXY_RENDER:-/opt/mentorwatch/nginx/render.sh}
site=${MW_PROXY_SITE_FILE:-/etc/nginx/sites-enabled/mentorwatch.conf}
self_signed=${MW_PROXY_SELF_SIGNED_DIR:-/run/mentorwatch-tls}
nginx_conf=${MW_PROXY_NGINX_CONF-/etc/nginx/nginx.conf}
cert=${MW_PROXY_TLS_CERT:-/etc/mentorwatch/tls/fullchain.pem}
key=${MW_PROXY_TLS_KEY:-/etc/mentorwatch/tls/privkey.pem}

if [[ ! -r "$cert" || ! -r "$key" ]]; then
    echo "proxy-entrypoint: WARNING: no certificate at $cert and $key;" \
        "using a self-signed one made now (mount the real one: MW_TLS_DIR in .env)" >&2
    mkdir -p -- "$self_signed"
    chmod 0700 -- "$self_signed"
    cert=$self_signed/fullchain.pem
    key=$self_signed/privkey.pem
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=${MW_PROXY_SERVER_NAME:-localhost}" \
        -keyout "$key" -out "$cert" 2>/dev/null
fi

MW_PROXY_TLS_CERT=$cert MW_PROXY_TLS_KEY=$key "$render" >"$site.new"
mv -- "$site.new" "$site"
if [[ -n "$nginx_conf" ]]; then
    nginx -t -q -c "$nginx_conf"
fi
exec "$@"
