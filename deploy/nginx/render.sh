#!/usr/bin/env bash
# Renders the nginx site for mentorwatch (TLS in front of the collectors) from
# mentorwatch.conf.in and the environment, and prints it.
#
# Usage: deploy/nginx/render.sh > /etc/nginx/sites-available/mentorwatch.conf
# Environment (every one optional; deploy/mentorwatch.env.example documents them):
#   MW_PROXY_SERVER_NAME      server_name                      (_: any)
#   MW_PROXY_HTTPS_LISTEN     listen address of the TLS server (443)
#   MW_PROXY_HTTP_LISTEN      plain HTTP that redirects to HTTPS (80; "off": none)
#   MW_PROXY_TLS_CERT         certificate chain, PEM           (/etc/mentorwatch/tls/fullchain.pem)
#   MW_PROXY_TLS_KEY          its private key, PEM             (/etc/mentorwatch/tls/privkey.pem)
#   MW_PROXY_UPSTREAMS        collectors, host:port, separated by spaces or commas (127.0.0.1:8080)
#   MW_PROXY_RATE             requests per second per client address (10)
#   MW_PROXY_BURST            requests above the rate a client may send at once (40)
#   MW_PROXY_CONN_PER_CLIENT  connections at once per client address (32)
#   MW_PROXY_ACCESS_LOG       access log path (/var/log/nginx/mentorwatch.access.log)
#   MW_MAX_BODY, MW_MAX_HEADERS, MW_CLIENT_TIMEOUT   the collector's settings, mirrored here
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
template=$here/mentorwatch.conf.in

die() {
    echo "${0##*/}: $*" >&2
    exit 1
}

# value NAME DEFAULT PATTERN: the variable's value (or the default), refused unless it matches
# the extended regular expression: nothing from the environment can add an nginx directive.
value() {
    local v=${!1:-$2}
    [[ "$v" =~ $3 ]] || die "$1=\"$v\" is not valid (expected $3)"
    printf '%s' "$v"
}

readonly NUMBER='^[0-9]{1,9}$'
readonly PATH_RE='^/[A-Za-z0-9._/@+-]*$'
readonly LISTEN_RE='^(([0-9.]+|\[[0-9A-Fa-f:.]+\]):)?[0-9]{1,5}$'

server_name=$(value MW_PROXY_SERVER_NAME _ '^[A-Za-z0-9_.*-]+( [A-Za-z0-9_.*-]+)*$')
https_listen=$(value MW_PROXY_HTTPS_LISTEN 443 "$LISTEN_RE")
http_listen=$(value MW_PROXY_HTTP_LISTEN 80 "$LISTEN_RE|^off\$")
tls_cert=$(value MW_PROXY_TLS_CERT /etc/mentorwatch/tls/fullchain.pem "$PATH_RE")
tls_key=$(value MW_PROXY_TLS_KEY /etc/mentorwatch/tls/privkey.pem "$PATH_RE")
upstreams=$(value MW_PROXY_UPSTREAMS 127.0.0.1:8080 '^[][A-Za-z0-9_.:, -]+$')
rate=$(value MW_PROXY_RATE 10 "$NUMBER")
burst=$(value MW_PROXY_BURST 40 "$NUMBER")
conn_per_client=$(value MW_PROXY_CONN_PER_CLIENT 32 "$NUMBER")
access_log=$(value MW_PROXY_ACCESS_LOG /var/log/nginx/mentorwatch.access.log "$PATH_RE")
max_body=$(value MW_MAX_BODY 1048576 "$NUMBER")
max_headers=$(value MW_MAX_HEADERS 16384 "$NUMBER")
client_timeout=$(value MW_CLIENT_TIMEOUT 30 "$NUMBER")
((rate > 0 && conn_per_client > 0 && client_timeout > 0)) ||
    die "MW_PROXY_RATE, MW_PROXY_CONN_PER_CLIENT and MW_CLIENT_TIMEOUT must be positive"

# Four header buffers hold the request head, so each is a quarter of the collector's limit.
header_buffer=$((max_headers / 4))
((header_buffer >= 1024)) || header_buffer=1024

upstream_servers=""
for server in ${upstreams//,/ }; do
    [[ "$server" =~ ^([A-Za-z0-9_.-]+|\[[0-9A-Fa-f:.]+\]):[0-9]{1,5}$ ]] ||
        die "MW_PROXY_UPSTREAMS: \"$server\" is not host:port"
    # One failed connection takes a collector out for 5 s; the next request tries it again.
    upstream_servers+="    server $server max_fails=1 fail_timeout=5s;"$'\n'
done
[[ -n "$upstream_servers" ]] || die "MW_PROXY_UPSTREAMS names no collector"

redirect_server=""
if [[ "$http_listen" != off ]]; then
    redirect_server="
server {
    listen $http_listen;
    server_name $server_name;
    server_tokens off;
    location / {
        return 301 https://\$host\$request_uri;
    }
}
"
fi

# ${text//pattern/value} with & taken literally (bash 5.2 otherwise inserts the match).
shopt -u patsub_replacement 2>/dev/null || true
text=$(<"$template")
text=${text//@UPSTREAM_SERVERS@/${upstream_servers%$'\n'}}
text=${text//@HTTP_REDIRECT_SERVER@/$redirect_server}
text=${text//@SERVER_NAME@/$server_name}
text=${text//@HTTPS_LISTEN@/$https_listen}
text=${text//@TLS_CERT@/$tls_cert}
text=${text//@TLS_KEY@/$tls_key}
text=${text//@RATE@/$rate}
text=${text//@BURST@/$burst}
text=${text//@CONN_PER_CLIENT@/$conn_per_client}
text=${text//@ACCESS_LOG@/$access_log}
text=${text//@MAX_BODY@/$max_body}
text=${text//@HEADER_BUFFER@/$header_buffer}
text=${text//@CLIENT_TIMEOUT@/$client_timeout}
if [[ "$text" =~ @[A-Z_]+@ ]]; then
    die "placeholder ${BASH_REMATCH[0]} of $template is not rendered"
fi
printf '%s\n' "$text"
