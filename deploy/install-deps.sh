#!/usr/bin/env bash
# Installs the Debian 12 packages mentorwatch needs to build, test, run and benchmark.
# Only what is missing is installed; nothing is done (and no network is used) when all is there.
# Usage: deploy/install-deps.sh        (as root, or as a user with sudo)
set -euo pipefail

# The one list. Add a package here, on its own line, with the reason when it is not obvious.
MW_DEB_PACKAGES=(
    build-essential
    cmake
    pkg-config
    clang-format
    libevent-dev
    libpq-dev
    libcjson-dev
    libcurl4-openssl-dev
    libgumbo-dev       # checker: HTML5 parsing
    libuchardet-dev    # checker: character set guessing
    libxlsxwriter-dev  # collector: XLSX exports of the KPI tables
    libssl-dev
    libcriterion-dev
    postgresql
    postgresql-contrib
    nginx-light
    curl
    ca-certificates
    python3    # tests' fake servers
    valgrind   # tests/run.sh's memcheck pass
    wrk        # benchmarks
    hyperfine  # benchmarks
)

missing=()
for pkg in "${MW_DEB_PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    if [[ "$status" != "install ok installed" ]]; then
        missing+=("$pkg")
    fi
done

if ((${#missing[@]} == 0)); then
    echo "install-deps: all ${#MW_DEB_PACKAGES[@]} packages present"
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
