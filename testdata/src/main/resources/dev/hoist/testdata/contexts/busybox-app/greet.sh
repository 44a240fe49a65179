#!/bin/sh
# Prints the greeting baked in at build time and the version from the environment.
set -e
echo "$(cat "$APP_HOME/data/greeting.txt") from busybox-app $APP_VERSION"
grep '^name=' "$APP_HOME/data/app.conf"
