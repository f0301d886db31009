#!/usr/bin/env bash
# Installs the Debian packages dossier needs, only those that are missing,
# so a second run costs nothing. Runs as root in CI; elsewhere uses sudo.
#   scripts/install-test-deps.sh          what the tests need
#   scripts/install-test-deps.sh run      what `make run` needs
set -euo pipefail
# fonts-wqy-microhei: the notice and report font (CJK, Latin, digits and
# punctuation in one face). Fallbacks for the characters it lacks, tried in
# this order (render/glyphs.go): fonts-droid-fallback (CJK Extension A,
# 䶮), fonts-dejavu-core (other scripts, combining marks), fonts-symbola
# (emoji in outline), fonts-hanazono (CJK Extensions B to F, 𠮷 in names).
packages=(ca-certificates fonts-wqy-microhei fonts-droid-fallback fonts-dejavu-core fonts-symbola fonts-hanazono)
if [ "${1:-test}" = test ]; then
	# poppler-utils: tests rasterize and extract the PDFs they render.
	packages+=(poppler-utils)
	# tesseract-ocr-chi-sim: OCR of scanned materials in the search tests.
	packages+=(tesseract-ocr tesseract-ocr-chi-sim)
	# chromium: the browser tests drive it headless (archive/web/browsertest).
	packages+=(chromium)
	# curl: the HTTP tests check downloads with the real curl (-I, -r, -OJ, --compressed).
	packages+=(curl)
fi
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
