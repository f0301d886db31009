#!/usr/bin/env bash
# Installs the Debian packages the tests use, only those that are missing,
# so a second run costs nothing. Runs as root in CI; elsewhere uses sudo.
set -euo pipefail
packages=(ca-certificates)
missing=()
for p in "${packages[@]}"; do
	dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
