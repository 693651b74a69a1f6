#!/bin/sh
# One-shot job (temporalio/admin-tools): wait for the Temporal frontend,
# create the namespace and register thidua's custom search attributes.
# Idempotent: existing namespace / attributes are left as they are.
set -eu

: "${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS is required}"
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
RETENTION="${TEMPORAL_NAMESPACE_RETENTION:-30d}"
# "Name=Type" pairs separated by spaces/newlines (set in docker-compose.yml).
: "${THIDUA_SEARCH_ATTRIBUTES:?THIDUA_SEARCH_ATTRIBUTES is required}"
export TEMPORAL_ADDRESS

tries=0
until temporal operator cluster health 2>/dev/null | grep -q SERVING; do
  tries=$((tries + 1))
  if [ "$tries" -ge 60 ]; then
    echo "temporal at $TEMPORAL_ADDRESS not serving after 120s" >&2
    exit 1
  fi
  sleep 2
done

if temporal operator namespace describe --namespace "$NAMESPACE" >/dev/null 2>&1; then
  echo "namespace $NAMESPACE exists"
else
  temporal operator namespace create --namespace "$NAMESPACE" --retention "$RETENTION"
  echo "namespace $NAMESPACE created"
fi

existing=$(temporal operator search-attribute list --namespace "$NAMESPACE")
for pair in $THIDUA_SEARCH_ATTRIBUTES; do
  name="${pair%%=*}"
  type="${pair#*=}"
  if printf '%s\n' "$existing" | grep -qw "$name"; then
    echo "search attribute $name exists"
  else
    temporal operator search-attribute create --namespace "$NAMESPACE" \
      --name "$name" --type "$type"
    echo "search attribute $name ($type) created"
  fi
done
temporal operator search-attribute list --namespace "$NAMESPACE"
