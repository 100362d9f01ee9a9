#!/bin/sh
# bench_webauthn.sh - the full-path WebAuthn benchmark and `openssl speed`
# for the same algorithms, one after the other in one run. The goal is the
# `ratio` bench_webauthn prints (full path / OpenSSL verify in the same
# run, >= 0.75); the share of `openssl speed` is shown beside it.
set -eu
cd "$(dirname "$0")/.."
COUNT=${COUNT:-5000}
build/bench_webauthn --count "$COUNT" | tee /tmp/bench_webauthn.$$
speed=$(openssl speed -seconds 3 ecdsap256 ed25519 2>/dev/null)
echo "$speed" | grep -E 'nistp256|Ed25519'
es=$(echo "$speed" | awk '/nistp256/ {print $NF}')
ed=$(echo "$speed" | awk '/Ed25519/ {print $NF}')
awk -v es="$es" -v ed="$ed" '
	/^ES256/ { printf "ES256: full path %.0f/s = %.0f%% of openssl speed verify %.0f/s\n", $4, 100 * $4 / es, es }
	/^EdDSA/ { printf "EdDSA: full path %.0f/s = %.0f%% of openssl speed verify %.0f/s\n", $4, 100 * $4 / ed, ed }
' /tmp/bench_webauthn.$$
rm -f /tmp/bench_webauthn.$$
