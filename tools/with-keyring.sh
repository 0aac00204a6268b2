#!/bin/sh
# Run a command inside a private D-Bus session with an unlocked gnome-keyring (a real Secret Service),
# so keyring tests exercise the same backend a desktop user has. Falls back to running the command
# as is when dbus-run-session is missing (the keyring tests then say why they cannot run).
#
# The keyring's files live in a folder of this session's own (deleted afterwards): gnome-keyring keeps its
# collection on disk under $XDG_DATA_HOME/keyrings and reloads it when another daemon writes it, so test
# sessions run side by side (and the user's own login keyring) shared one file, and one session's test key
# was replaced or deleted under another's (the concurrency soak's syncs lost their API key mid-run).
set -eu
if command -v dbus-run-session >/dev/null 2>&1 && command -v gnome-keyring-daemon >/dev/null 2>&1; then
    keyring_home=$(mktemp -d "${TMPDIR:-/tmp}/refdesk-keyring.XXXXXX")
    status=0
    REFDESK_KEYRING_HOME="$keyring_home" dbus-run-session -- sh -c \
        'echo refdesk-test | XDG_DATA_HOME="$REFDESK_KEYRING_HOME" gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; exec "$@"' \
        sh "$@" || status=$?
    rm -rf "$keyring_home"
    exit "$status"
fi
exec "$@"
