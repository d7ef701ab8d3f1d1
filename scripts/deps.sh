#!/usr/bin/env bash
# Installs the Debian packages a target needs, only those missing (idempotent).
# Usage: scripts/deps.sh build|test|demo|bench|toolchains
set -euo pipefail
build_pkgs=(gcc make libjansson-dev libsodium-dev libyaml-dev clang lld wasi-libc libclang-rt-14-dev-wasm32
            libbpf-dev bpftool libmicrohttpd-dev libgnutls28-dev libcurl4-openssl-dev scdoc)
test_pkgs=(wabt python3-pytest pkg-config libclang-rt-14-dev tcpdump tshark ethtool iproute2 libcap2-bin jq bind9-dnsutils curl openssl prometheus chromium)
bench_pkgs=(wabt iproute2 xdp-tools netsniff-ng)
demo_pkgs=(tcpdump)
# toolchains: the Rust and AssemblyScript plugins (make plugins-extra, which make test builds):
# Debian's rustc with its wasm32 standard library, and Node.js with npm for asc (npm ci in
# sdk/assemblyscript). npm: Debian's package unless an npm is there already (NodeSource's nodejs
# carries its own and conflicts with Debian's npm).
toolchain_pkgs=(rustc libstd-rust-dev-wasm32 nodejs)
case "${1:-build}" in
  build) want=("${build_pkgs[@]}") ;;
  demo)  want=("${build_pkgs[@]}" "${demo_pkgs[@]}") ;;
  test)  want=("${build_pkgs[@]}" "${test_pkgs[@]}" "${toolchain_pkgs[@]}") ;;
  toolchains) want=("${build_pkgs[@]}" "${toolchain_pkgs[@]}") ;;
  bench) want=("${build_pkgs[@]}" "${bench_pkgs[@]}") ;;
  *) echo "deps.sh: unknown set '$1'" >&2; exit 2 ;;
esac
case "${1:-build}" in test|toolchains) command -v npm >/dev/null || want+=(npm) ;; esac
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}" >&2
SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
