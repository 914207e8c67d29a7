#!/usr/bin/env bash
# Installs the Debian packages Peidai needs beyond Python: a CJK font for PDFs,
# poppler (pdffonts/pdftoppm) for document tests, and Chromium for browser tests.
# Only what is missing is installed; without root it says what is missing and goes on.
set -u
need=()
fc-list 2>/dev/null | grep -qi 'Noto Sans CJK\|Noto Serif CJK\|WenQuanYi' || need+=(fonts-noto-cjk)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
command -v fc-list >/dev/null 2>&1 || need+=(fontconfig)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "system-deps: missing ${need[*]}; install them with apt-get as root" >&2
  exit 0
fi
echo "system-deps: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
