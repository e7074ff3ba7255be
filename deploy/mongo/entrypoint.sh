#!/usr/bin/env bash
# Entrypoint for the `mongo` container (mongo:7): makes sure a replica-set
# keyFile exists, then hands over to the image's own docker-entrypoint.sh.
#
# A replica set with authorization needs a keyFile (members authenticate to
# each other with it, even when there is only one member). It is generated on
# first start and kept in the `mongo-config` volume (/data/configdb), so
# restarts reuse it. To add members later, copy this same file to them.
set -Eeuo pipefail

KEY_FILE="${MONGO_KEY_FILE:-/data/configdb/keyfile}"

if [ ! -s "$KEY_FILE" ]; then
	echo "redvest-mongo: generating replica-set keyFile at $KEY_FILE"
	mkdir -p "$(dirname "$KEY_FILE")"
	umask 077
	# 756 random bytes -> 1008 base64 characters (mongod accepts 6..1024).
	head -c 756 /dev/urandom | base64 -w 0 > "$KEY_FILE.tmp"
	mv "$KEY_FILE.tmp" "$KEY_FILE"
fi

# mongod refuses a keyFile readable by group or others, and runs as `mongodb`.
if [ "$(id -u)" = '0' ]; then
	chown mongodb:mongodb "$KEY_FILE"
fi
chmod 400 "$KEY_FILE"

exec /usr/local/bin/docker-entrypoint.sh "$@"
