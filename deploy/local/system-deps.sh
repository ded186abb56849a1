#!/usr/bin/env bash
# Installs what kansa needs from Debian when it is missing: Java 17+, Maven and unzip for the local stack; a
# Japanese font and Pango for the PDF report (WeasyPrint); poppler-utils, with which the tests read the PDF back;
# Debian's Chromium and its driver, with which a test drives the officers' web page headless (no downloaded browser).
set -euo pipefail
missing=()
java_major=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1 || true)
if [ -z "${java_major}" ] || [ "${java_major}" -lt 17 ]; then missing+=(openjdk-17-jre-headless); fi
command -v mvn >/dev/null 2>&1 || missing+=(maven)
command -v unzip >/dev/null 2>&1 || missing+=(unzip)
fc-list 2>/dev/null | grep -q "IPAexGothic" || missing+=(fonts-ipaexfont-gothic fontconfig)
ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so.0" || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
ldconfig -p 2>/dev/null | grep -q "libharfbuzz-subset.so.0" || missing+=(libharfbuzz-subset0)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "kansa needs: ${missing[*]}. Install them with: sudo apt-get install ${missing[*]}" >&2
  exit 2
fi
echo "installing ${missing[*]} from Debian"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
