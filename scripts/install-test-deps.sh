#!/usr/bin/env bash
# Installs the Debian packages dossier needs, only those that are missing,
# so a second run costs nothing.
#   scripts/install-test-deps.sh run      what the running product uses (`make run`)
#   scripts/install-test-deps.sh          that and what the tests need (`make test`)
# As root it runs apt-get update, then apt-get install. As anyone else,
# when a package is missing, it prints the exact command to run and stops
# (exit 1): without a font the server refuses to start, and without
# pdftotext and Tesseract it would start but search would silently miss
# the words of every upload, which is worse than one command to paste;
# and make never asks for a password behind your back.
set -euo pipefail
mode="${1:-test}"
# The OpenAPI linter the contract test runs (archive/http/contract_lint_test.go
# reads this pin), installed from npm into the cache, outside git. 1.34 runs
# on the Node.js 18 of Debian 12; 2.x needs 20.19 or later.
redocly_version=1.34.20
# The accessibility checker the browser tests inject into each page
# (archive/web/browsertest/a11y_test.go reads this pin), from npm into
# the cache, outside git.
axe_version=4.10.3
cache="${XDG_CACHE_HOME:-$HOME/.cache}/dossier"
# What the running product uses.
# fonts-wqy-microhei: the notice and report font (CJK, Latin, digits and
# punctuation in one face). Fallbacks for the characters it lacks, tried in
# this order (render/glyphs.go): fonts-droid-fallback (CJK Extension A,
# 䶮), fonts-dejavu-core (other scripts, combining marks), fonts-symbola
# (emoji in outline), fonts-hanazono (CJK Extensions B to F, 𠮷 in names).
packages=(ca-certificates fonts-wqy-microhei fonts-droid-fallback fonts-dejavu-core fonts-symbola fonts-hanazono)
# poppler-utils: pdftotext, the text of uploaded PDFs for search
# (search/extract.go); tesseract-ocr-chi-sim: OCR of scanned materials,
# Simplified Chinese (tesseract-ocr brings English).
packages+=(poppler-utils tesseract-ocr tesseract-ocr-chi-sim)
# curl, jq: the README's first steps call the API with curl and read its
# JSON with jq; the HTTP tests check downloads with the real curl
# (-I, -r, -OJ, --compressed).
packages+=(curl jq)
if [ "$mode" = test ]; then
	# chromium: the browser tests drive it headless (archive/web/browsertest).
	packages+=(chromium)
	# haproxy: the load balancer of scripts/cluster.sh (README, "Several servers").
	packages+=(haproxy)
	# nodejs, npm: the OpenAPI linter (below). A Node.js installed some
	# other way (node and npm on PATH) will do.
	command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)
fi
if ! command -v dpkg-query >/dev/null; then
	echo "not a Debian or Ubuntu system: install the equivalents of these Debian packages yourself: ${packages[*]}" >&2
	echo "(then run bin/dossier demo --if-empty && bin/dossier serve, which is what make run does)" >&2
	exit 1
fi
missing=()
for p in "${packages[@]}"; do
	[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	install=(apt-get install -y --no-install-recommends "${missing[@]}")
	if [ "$(id -u)" -ne 0 ]; then
		echo "dossier needs these Debian packages, which are not installed: ${missing[*]}" >&2
		echo "install them as root, then run make $mode again:" >&2
		echo "  sudo apt-get update && sudo ${install[*]}" >&2
		exit 1
	fi
	echo "installing: ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive "${install[@]}" -qq
fi
if [ "$mode" = test ]; then
	redocly="$cache/redocly-cli-$redocly_version"
	if [ ! -x "$redocly/node_modules/.bin/redocly" ]; then
		echo "installing @redocly/cli@$redocly_version into $redocly"
		mkdir -p "$redocly"
		npm install --prefix "$redocly" --cache "$cache/npm" --no-audit --no-fund --loglevel=error "@redocly/cli@$redocly_version"
	fi
fi
if [ "$mode" = test ]; then
	axe="$cache/axe-core-$axe_version"
	if [ ! -f "$axe/node_modules/axe-core/axe.min.js" ]; then
		echo "installing axe-core@$axe_version into $axe"
		mkdir -p "$axe"
		npm install --prefix "$axe" --cache "$cache/npm" --no-audit --no-fund --loglevel=error "axe-core@$axe_version"
	fi
fi
