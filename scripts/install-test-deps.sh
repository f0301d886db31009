#!/usr/bin/env bash
# Installs the Debian packages dossier needs, only those that are missing,
# so a second run costs nothing. Runs as root in CI; elsewhere uses sudo.
#   scripts/install-test-deps.sh          what the tests need
#   scripts/install-test-deps.sh run      what `make run` needs
set -euo pipefail
mode="${1:-test}"
# The OpenAPI linter the contract test runs (archive/http/contract_lint_test.go
# reads this pin), installed from npm into the cache, outside git. 1.34 runs
# on the Node.js 18 of Debian 12; 2.x needs 20.19 or later.
redocly_version=1.34.20
cache="${XDG_CACHE_HOME:-$HOME/.cache}/dossier"
# fonts-wqy-microhei: the notice and report font (CJK, Latin, digits and
# punctuation in one face). Fallbacks for the characters it lacks, tried in
# this order (render/glyphs.go): fonts-droid-fallback (CJK Extension A,
# 䶮), fonts-dejavu-core (other scripts, combining marks), fonts-symbola
# (emoji in outline), fonts-hanazono (CJK Extensions B to F, 𠮷 in names).
packages=(ca-certificates fonts-wqy-microhei fonts-droid-fallback fonts-dejavu-core fonts-symbola fonts-hanazono)
if [ "$mode" = test ]; then
	# poppler-utils: tests rasterize and extract the PDFs they render.
	packages+=(poppler-utils)
	# tesseract-ocr-chi-sim: OCR of scanned materials in the search tests.
	packages+=(tesseract-ocr tesseract-ocr-chi-sim)
	# chromium: the browser tests drive it headless (archive/web/browsertest).
	packages+=(chromium)
	# nodejs, npm: the OpenAPI linter (below). A Node.js installed some
	# other way (node and npm on PATH) will do.
	command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)
	# curl: the HTTP tests check downloads with the real curl (-I, -r, -OJ, --compressed).
	packages+=(curl)
fi
missing=()
for p in "${packages[@]}"; do
	dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	echo "installing: ${missing[*]}"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if [ "$mode" = test ]; then
	redocly="$cache/redocly-cli-$redocly_version"
	if [ ! -x "$redocly/node_modules/.bin/redocly" ]; then
		echo "installing @redocly/cli@$redocly_version into $redocly"
		mkdir -p "$redocly"
		npm install --prefix "$redocly" --cache "$cache/npm" --no-audit --no-fund --loglevel=error "@redocly/cli@$redocly_version"
	fi
fi
