#!/usr/bin/env bash
# One-shot `mongo-init` job: waits for the `mongo` container to accept
# authenticated connections, initiates the single-node replica set if it is
# not initiated yet, waits for a primary, and exits 0. Safe to run any number
# of times.
set -Eeuo pipefail

: "${MONGO_HOST:=mongo}"
: "${MONGO_PORT:=27017}"
: "${MONGO_ROOT_USERNAME:=root}"
: "${MONGO_ROOT_PASSWORD:?MONGO_ROOT_PASSWORD is required}"
: "${MONGO_REPLICA_SET:=rs0}"
: "${MONGO_INIT_TRIES:=60}"
export MONGO_REPLICA_SET MONGO_RS_MEMBER="${MONGO_RS_MEMBER:-$MONGO_HOST:$MONGO_PORT}"

mongo=(mongosh --quiet --norc
	--host "$MONGO_HOST" --port "$MONGO_PORT"
	--username "$MONGO_ROOT_USERNAME" --password "$MONGO_ROOT_PASSWORD"
	--authenticationDatabase admin)

# On its very first start the mongo image runs a temporary mongod bound to
# 127.0.0.1 to create the root user, so "healthy" can come before it is
# reachable from here: retry until an authenticated ping succeeds.
for ((i = 1; i <= MONGO_INIT_TRIES; i++)); do
	if "${mongo[@]}" --eval 'quit(db.adminCommand({ ping: 1 }).ok ? 0 : 1)' > /dev/null 2>&1; then
		break
	fi
	if [ "$i" -eq "$MONGO_INIT_TRIES" ]; then
		echo "mongo-init: $MONGO_HOST:$MONGO_PORT not reachable after $MONGO_INIT_TRIES tries" >&2
		exit 1
	fi
	sleep 2
done

exec "${mongo[@]}" --file "$(dirname "$0")/init-replica-set.js"
