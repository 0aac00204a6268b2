#!/bin/sh
# Install the Debian packages refdesk needs, when running as root and they are missing.
# Usage: tools/system-deps.sh run|test
# "run" needs Qt's runtime libraries; "test" also needs xvfb, dbus and gnome-keyring.
set -eu
mode="${1:-test}"
pkgs="libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxcb-render-util0 libxcb-image0 libglib2.0-0 fonts-dejavu-core"
if [ "$mode" = "test" ]; then
    pkgs="$pkgs xvfb xauth dbus dbus-x11 gnome-keyring"
fi
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
    echo "refdesk: missing system packages:$missing (no apt-get here; install their equivalents)" >&2
    [ "$mode" = "test" ] && exit 1 || exit 0
fi
if [ "$(id -u)" != "0" ]; then
    echo "refdesk: missing system packages:$missing" >&2
    echo "refdesk: run as root, or: sudo apt-get install$missing" >&2
    [ "$mode" = "test" ] && exit 1 || exit 0
fi
echo "refdesk: installing system packages:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null || { echo "refdesk: apt-get update failed; cannot install:$missing" >&2; exit 1; }
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null || { echo "refdesk: apt-get could not install:$missing" >&2; exit 1; }
