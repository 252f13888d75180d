#!/usr/bin/env bash
# Installs the Debian 12 packages mentorwatch needs to build, test, run and benchmark, then the
# browser test's npm packages (tests/browser, `npm ci`). Only what is missing is installed;
# nothing is done (and no network is used) when all is there.
# Usage: deploy/install-deps.sh [--no-npm] [PROFILE]  (as root, or as a user with sudo)
#        deploy/install-deps.sh --list PROFILE       (print the profile's packages, install nothing)
# PROFILE: all (default: build, test, run; what CI and the demo need), build (compile only:
# the container images' build stage), runtime (the libraries the built binaries load, and the
# tools their images use), proxy (the TLS-terminating nginx image).
#   --no-npm   no npm step (deploy/demo.sh: the demo needs no browser test); only profile `all`
#              has one
set -euo pipefail

# To compile the services (cmake -DMW_TESTS=OFF).
MW_BUILD_PACKAGES=(
    build-essential
    cmake
    pkg-config
    libevent-dev
    libpq-dev
    libcjson-dev
    libcurl4-openssl-dev
    libgumbo-dev       # checker: HTML5 parsing
    libuchardet-dev    # checker: character set guessing
    libxlsxwriter-dev  # collector: XLSX exports of the KPI tables
    libssl-dev
)

# Everything else CI, the tests, the demo and the benchmarks use.
MW_TEST_PACKAGES=(
    clang-format
    libcriterion-dev
    postgresql
    postgresql-contrib
    nginx-light
    curl
    ca-certificates
    openssl         # tests' throwaway certificates
    python3         # tests' fake servers
    valgrind        # tests/run.sh's memcheck pass
    unzip           # KPI export tests read the XLSX sheets
    nodejs          # tests/browser: the dashboard's end-to-end test (playwright-core)
    npm             # tests/browser: npm ci
    chromium        # tests/browser: the headless browser
    docker-compose  # tests: `docker-compose config` over docker-compose.yml (no engine needed)
    systemd         # tests: `systemd-analyze verify` over deploy/systemd/
    wrk             # benchmarks
    hyperfine       # benchmarks
    linkchecker     # checker benchmark: the crawler compared with
    wget            # checker benchmark: the other crawler compared with
    time            # checker benchmark: /usr/bin/time -v, peak memory
    linux-perf      # benchmarks' --perf profiles
)

# What the built binaries load at run time (tests/integration/test_deploy_config.c checks this
# list against ldd), plus what the services' image runs: curl for health checks, the PostgreSQL
# client for deploy/backup.sh, restore.sh and upgrade.sh.
MW_RUNTIME_PACKAGES=(
    libevent-2.1-7
    libevent-pthreads-2.1-7
    libpq5
    libcjson1
    libcurl4
    libgumbo1
    libuchardet0
    libxlsxwriter4
    zlib1g                # libxlsxwriter; NEEDED directly by the sanitizer build
    libssl3
    ca-certificates
    curl
    postgresql-client
)

# The reverse proxy's image: nginx, openssl for a first self-signed certificate, curl for its
# health check.
MW_PROXY_PACKAGES=(
    nginx-light
    openssl
    curl
    ca-certificates
)

usage() {
    sed -n '5,11p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

list=0
npm_step=1
while (($# > 0)); do
    case "$1" in
    --list) list=1 ;;
    --no-npm) npm_step=0 ;;
    -*) usage ;;
    *) break ;;
    esac
    shift
done
profile=${1:-all}
case "$profile" in
all) packages=("${MW_BUILD_PACKAGES[@]}" "${MW_TEST_PACKAGES[@]}") ;;
build) packages=("${MW_BUILD_PACKAGES[@]}") ;;
runtime) packages=("${MW_RUNTIME_PACKAGES[@]}") ;;
proxy) packages=("${MW_PROXY_PACKAGES[@]}") ;;
*) usage ;;
esac
[[ $profile == all ]] || npm_step=0

if ((list)); then
    printf '%s\n' "${packages[@]}"
    exit 0
fi

# Installed, or provided by an installed package (nodejs from another source provides npm).
installed() {
    [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]] ||
        dpkg-query -W -f='${db:Status-Abbrev} ${Provides}\n' 2>/dev/null |
        awk -v p="$1" '$1 == "ii" { for (i = 2; i <= NF; i++) { gsub(/[(),]/, "", $i); if ($i == p) f = 1 } }
            END { exit !f }'
}

missing=()
for pkg in "${packages[@]}"; do
    installed "$pkg" || missing+=("$pkg")
done

sudo=()
if [[ "$(id -u)" -ne 0 ]] && command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
fi

if ((${#missing[@]} == 0)); then
    echo "install-deps: all ${#packages[@]} packages of profile $profile present"
else
    if [[ "$(id -u)" -ne 0 && ${#sudo[@]} -eq 0 ]]; then
        echo "install-deps: missing packages (${missing[*]}) and not root, no sudo" >&2
        exit 1
    fi
    echo "install-deps: installing ${missing[*]}"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y --no-install-recommends "${missing[@]}"
fi

# tests/browser's npm packages (playwright-core; the browser is Debian's chromium, so npm
# downloads no browser). A stamp of package-lock.json's hash skips `npm ci` when it is current.
if ((npm_step)); then
    browser_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../tests/browser" && pwd)
    stamp=$browser_dir/node_modules/.mw-package-lock.sha256
    lock_sum=$(sha256sum "$browser_dir/package-lock.json" | cut -c1-64)
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$lock_sum" ]]; then
        echo "install-deps: tests/browser npm packages present"
    else
        echo "install-deps: npm ci in tests/browser"
        (cd "$browser_dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
        echo "$lock_sum" >"$stamp"
    fi
fi
