#!/usr/bin/env bash
# Installs the Debian 12 packages mentorwatch needs to build, test, run and benchmark.
# Only what is missing is installed; nothing is done (and no network is used) when all is there.
# Usage: deploy/install-deps.sh [PROFILE]       (as root, or as a user with sudo)
#        deploy/install-deps.sh --list PROFILE  (print the profile's packages, install nothing)
# PROFILE: all (default: build, test, run; what CI and the demo need), build (compile only:
# the container images' build stage), runtime (the libraries the built binaries load, and the
# tools their images use), proxy (the TLS-terminating nginx image).
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
    wrk             # benchmarks
    hyperfine       # benchmarks
    docker-compose  # tests: `docker-compose config` over docker-compose.yml (no engine needed)
    systemd         # tests: `systemd-analyze verify` over deploy/systemd/
    linkchecker     # checker benchmark: the crawler compared with
    wget            # checker benchmark: the other crawler compared with
    time            # checker benchmark: /usr/bin/time -v, peak memory
    linux-perf      # benchmarks' --perf profiles
)

# What the built binaries load at run time (tests/integration/test_deploy.c checks this list
# against ldd), plus what the services' image runs: curl for health checks, the PostgreSQL
# client for deploy/backup.sh, restore.sh and upgrade.sh.
MW_RUNTIME_PACKAGES=(
    libevent-2.1-7
    libevent-pthreads-2.1-7
    libpq5
    libcjson1
    libcurl4
    libgumbo1
    libuchardet0
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

list=0
if [[ "${1:-}" == --list ]]; then
    list=1
    shift
fi
profile=${1:-all}
case "$profile" in
all) packages=("${MW_BUILD_PACKAGES[@]}" "${MW_TEST_PACKAGES[@]}") ;;
build) packages=("${MW_BUILD_PACKAGES[@]}") ;;
runtime) packages=("${MW_RUNTIME_PACKAGES[@]}") ;;
proxy) packages=("${MW_PROXY_PACKAGES[@]}") ;;
*)
    echo "usage: ${0##*/} [--list] [all|build|runtime|proxy]" >&2
    exit 2
    ;;
esac

if ((list)); then
    printf '%s\n' "${packages[@]}"
    exit 0
fi

missing=()
for pkg in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    if [[ "$status" != "install ok installed" ]]; then
        missing+=("$pkg")
    fi
done

if ((${#missing[@]} == 0)); then
    echo "install-deps: all ${#packages[@]} packages of profile $profile present"
    exit 0
fi

sudo=()
if [[ "$(id -u)" -ne 0 ]]; then
    if ! command -v sudo >/dev/null 2>&1; then
        echo "install-deps: missing packages (${missing[*]}) and not root, no sudo" >&2
        exit 1
    fi
    sudo=(sudo)
fi

echo "install-deps: installing ${missing[*]}"
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"
