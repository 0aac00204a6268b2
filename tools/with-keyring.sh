#!/bin/sh
# Run a command inside a private D-Bus session with an unlocked gnome-keyring (a real Secret Service),
# so keyring tests exercise the same backend a desktop user has. Falls back to running the command
# as is when dbus-run-session is missing (the keyring tests then say why they cannot run).
set -eu
if command -v dbus-run-session >/dev/null 2>&1 && command -v gnome-keyring-daemon >/dev/null 2>&1; then
    exec dbus-run-session -- sh -c 'echo refdesk-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; exec "$@"' sh "$@"
fi
exec "$@"
