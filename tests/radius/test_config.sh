#!/bin/bash
# test_config.sh - the files we ship for FreeRADIUS work as shipped: the
# module configuration (radius_module/mods-available/mfa) and each example
# server (radius_module/sites-available/mfa-*) pass "freeradius -C", and a
# real radiusd running them logs users in with every flow.
#
# Only what a test cannot use is changed, with sed: the store path, and the
# listen addresses (127.0.0.1 and free ports instead of *:1812 and *:1813).
. "$(dirname "$0")/../cli/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/raddb.sh"
SECRET=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
SHIPPED=$ROOT/radius_module
SITES="mfa-otp mfa-append mfa-challenge mfa-hold"

if ! command -v freeradius > /dev/null || ! command -v radclient > /dev/null; then
	echo "skip radius/config: freeradius or radclient is not installed"
	exit 0
fi
if [ ! -f "$ROOT/build/rlm_mfa.so" ]; then
	echo "not ok radius/config (build/rlm_mfa.so is missing: run make all)"
	exit 1
fi
"$MFACTL" init > /dev/null
enroll() { "$MFACTL" enroll "$1" --secret "$SECRET" --no-confirm --no-qr > /dev/null; }
code() { oathtool --totp -b "$SECRET"; }
# A code that is not the current one (nor, but by a million-to-one chance,
# one in the window around it).
wrong_code() { printf '%06d' $(((10#$(code) + 500000) % 1000000)); }
got() { grep -q "Received $1" <<< "$OUT" || fail "expected $1: $OUT $ERR"; }
says() { grep -qF "Reply-Message = \"$1" <<< "$OUT" || fail "no Reply-Message '$1': $OUT"; }

# Ports: auth for otp, append, challenge (the names raddb.sh waits on), then
# accounting for each.
base=$((30000 + RANDOM % 20000))
raddb_make "$base"
trap 'raddb_stop; case_end; rm -rf "$T"; exit "$ANY_FAILED"' EXIT
declare -A AUTH_PORT=([mfa-otp]=$P_OTP [mfa-append]=$P_APPEND [mfa-challenge]=$P_CHALLENGE
	[mfa-hold]=$((base + 10)))
declare -A ACCT_PORT=([mfa-otp]=$((base + 5)) [mfa-append]=$((base + 6)) [mfa-challenge]=$((base + 7))
	[mfa-hold]=$((base + 11)))
# The strongSwan setup of docs/rlm_mfa.md (EAP-GTC), when eapol_test can
# play the client.
AUTH_PORT[mfa-eap]=$((base + 8)) ACCT_PORT[mfa-eap]=$((base + 9))
EAPOL=$(command -v eapol_test || true)

# raddb_make's radiusd.conf, without its own test servers (the shipped ones
# take their place), reading sites-enabled/ as Debian's does.
awk '!skip && /^server [^ ]+ \{/ { skip = 1; depth = 0 }
     skip { depth += gsub(/\{/, "{") - gsub(/\}/, "}"); if (depth == 0) skip = 0; next }
     { print }' "$RADDB/radiusd.conf" > "$T/radiusd.conf"
printf '$INCLUDE sites-enabled/\n' >> "$T/radiusd.conf"
mv "$T/radiusd.conf" "$RADDB/radiusd.conf"
grep -q '^server ' "$RADDB/radiusd.conf" && echo "  raddb.sh's servers were not removed" >&2
# The modules the examples use that raddb_make leaves out (Debian enables them).
for m in preprocess detail attr_filter mschap; do ln -s ../mods-available/$m "$RADDB/mods-enabled/$m"; done
rm -f "$RADDB/mods-enabled/mfa"

# install_module: the shipped mods-available/mfa, pointed at our store.
install_module() {
	sed "s|^\([[:space:]]*config = \).*|\1$MFA_CONFIG|" "$SHIPPED/mods-available/mfa" > "$RADDB/mods-enabled/mfa"
	[ "$(grep -c "config = $MFA_CONFIG\$" "$RADDB/mods-enabled/mfa")" = 4 ] ||
		fail "mods-available/mfa: expected four 'config =' lines"
}
# install_site NAME [FILE]: a server (the shipped one by default), listening
# on 127.0.0.1 and our ports.
install_site() {
	local f=$RADDB/sites-enabled/$1
	sed -e 's/^\([[:space:]]*ipaddr = \)\*$/\1127.0.0.1/' \
	    -e "s/^\([[:space:]]*port = \)1812\$/\1${AUTH_PORT[$1]}/" \
	    -e "s/^\([[:space:]]*port = \)1813\$/\1${ACCT_PORT[$1]}/" "${2:-$SHIPPED/sites-available/$1}" > "$f"
	grep -q "port = ${AUTH_PORT[$1]}\$" "$f" && grep -q "port = ${ACCT_PORT[$1]}\$" "$f" &&
		! grep -qE '^[[:space:]]*(ipaddr = \*|port = 181[23])$' "$f" ||
		fail "$1: listen sections not where the test expects them"
}
# doc_block FIRST-LINE: the code block of docs/rlm_mfa.md starting with it.
doc_block() {
	awk -v first="$1" '$0 == first { on = 1 } on && /^```$/ { exit } on { print }' "$ROOT/docs/rlm_mfa.md"
}
# check: freeradius -C on the raddb as it is now; its output in $OUT.
check() {
	run freeradius -XC -d "$RADDB" -n radiusd
	OUT="$OUT$ERR"
	[ "$RC" -eq 0 ] && grep -q "Configuration appears to be OK" <<< "$OUT" ||
		fail "freeradius -C refused it: $(grep -iE 'error|failed|warn' <<< "$OUT" | tail -n 5)"
}
for u in olivia adam amy chris eve frank; do enroll "$u"; done

case_begin module_config_shows_every_item_at_its_default
# The first instance of mods-available/mfa sets every item of module_config[]
# in rlm_mfa.c, at its default, as its comment says.
cat > "$T/items.py" <<'PY'
import re, sys
code = open(sys.argv[1]).read()
items = dict(re.findall(r'\{\s*"(\w+)",\s*FR_CONF_OFFSET\([^)]*\),\s*"([^"]*)"\s*\}', code))
shown = {}
for line in open(sys.argv[2]).read().split("\nmfa {\n", 1)[1].split("\n}\n", 1)[0].splitlines():
    m = re.match(r'\t(\w+) = (.*)$', line)
    if m:
        shown[m.group(1)] = m.group(2).strip('"')
for name, default in items.items():
    if shown.get(name) != default:
        print("%s: module_config[] default %r, mods-available/mfa shows %r" % (name, default, shown.get(name)))
print("%d items" % len(items))
PY
run python3 "$T/items.py" "$SHIPPED/rlm_mfa.c" "$SHIPPED/mods-available/mfa"
[ "$RC" -eq 0 ] && [ "$OUT" = "9 items" ] || fail "$OUT $ERR"
install_module

# Each example alone, as an operator would enable it: accepted, and the
# only rlm_mfa warnings are about the instances that server does not use.
for site in $SITES; do
	case_begin "config_$site"
	rm -f "$RADDB"/sites-enabled/*
	install_site "$site"
	check
	used=$(sed -n 's/^[[:space:]]*Auth-Type \(mfa[a-z_]*\) {$/\1/p' "$RADDB/sites-enabled/$site")
	if [ -n "$used" ] && grep -q "rlm_mfa ($used): no 'Auth-Type" <<< "$OUT"; then
		fail "$site: instance $used lacks its Auth-Type section"
	fi
done

case_begin config_all_three_no_warnings
for site in $SITES; do install_site "$site"; done
check
grep -q "rlm_mfa (.*): no 'Auth-Type" <<< "$OUT" && fail "warnings: $(grep "rlm_mfa (" <<< "$OUT")"

if [ -n "$EAPOL" ]; then
	case_begin config_doc_eap_gtc
	doc_block 'eap eap_gtc {' > "$RADDB/mods-enabled/eap_gtc"
	doc_block 'server mfa-eap {' > "$T/mfa-eap"
	[ -s "$RADDB/mods-enabled/eap_gtc" ] && [ -s "$T/mfa-eap" ] ||
		fail "docs/rlm_mfa.md lacks the eap_gtc or mfa-eap block"
	install_site mfa-eap "$T/mfa-eap"
	check
fi

case_begin radiusd_starts_with_shipped_config
raddb_start || fail "radiusd did not start"
[ -n "$RADIUSD_PID" ] || exit 1

case_begin otp_login
radius "$P_OTP" "User-Name = olivia, User-Password = $(code), NAS-Identifier = vpn1"
got Access-Accept
# No password came first: an unknown name is refused like a wrong code.
radius "$P_OTP" "User-Name = nobody, User-Password = 123456"
got Access-Reject
says "Code not accepted. After several wrong codes, wait a few minutes before trying a new one."
radius "$P_OTP" "User-Name = olivia, User-Password = $(wrong_code)"
got Access-Reject
says "Code not accepted. After several wrong codes, wait a few minutes before trying a new one."

case_begin append_login
radius "$P_APPEND" "User-Name = adam, User-Password = \"hunter2$(code)\""
got Access-Accept
radius "$P_APPEND" "User-Name = amy, User-Password = \"hunter2$(wrong_code)\""
got Access-Reject
says "Wrong code."
# After the password, an unknown name is told the truth.
radius "$P_APPEND" "User-Name = nobody, User-Password = hunter2"
got Access-Reject
says "No authenticator is enrolled"
# A wrong password ends Auth-Type PAP before mfa_append: no code checked.
radius "$P_APPEND" "User-Name = chris, User-Password = \"wrongpw$(code)\""
got Access-Reject
grep -q '"event":"verify","user":"chris"' "$T/audit.json" && fail "a wrong password reached the code check"

case_begin challenge_login
# A wrong password gets no challenge.
radius "$P_CHALLENGE" "User-Name = chris, User-Password = wrong"
got Access-Reject
grep -q "State" <<< "$OUT" && fail "a challenge after a wrong password"
radius "$P_CHALLENGE" "User-Name = chris, User-Password = hunter2"
got Access-Challenge
says "Enter the code from your authenticator app"
state=$(reply_state)
[ -n "$state" ] || fail "no State in the challenge"
radius "$P_CHALLENGE" "User-Name = chris, User-Password = $(code), State = $state"
got Access-Accept

case_begin hold_site_mschap
# MS-CHAP (radclient's MS-CHAP-Password) checked by mschap, then mfa_hold:
# chris has an app only, which no MS-CHAP request can carry a code of.
radius "${AUTH_PORT[mfa-hold]}" "User-Name = chris, MS-CHAP-Password = wrong"
got Access-Reject
grep -q "Reply-Message" <<< "$OUT" && fail "a wrong password reached mfa_hold: $OUT"
radius "${AUTH_PORT[mfa-hold]}" "User-Name = chris, MS-CHAP-Password = hunter2"
got Access-Reject
says "This connection cannot ask for a code"
grep -q "MS-CHAP-MPPE\|MS-CHAP2-Success\|MS-MPPE" <<< "$OUT" && fail "MS-CHAP keys in a Reject: $OUT"

case_begin accounting_answered
for site in $SITES; do
	run sh -c 'printf "%s\n" "User-Name = adam, Acct-Status-Type = Start, Acct-Session-Id = \"s1\", NAS-IP-Address = 127.0.0.1" |
		radclient -x -r 2 -t 2 "127.0.0.1:$1" acct "$2"' sh "${ACCT_PORT[$site]}" "$RADIUS_SECRET"
	got Accounting-Response
done

# eapol_test NAME METHOD PASSWORD: one EAP login to mfa-eap, as strongSwan's
# eap-radius would relay it.
eapol() {
	printf 'network={\n\tkey_mgmt=IEEE8021X\n\teap=%s\n\tidentity="%s"\n\tpassword="%s"\n}\n' \
		"$2" "$1" "$3" > "$T/eapol.conf"
	run "$EAPOL" -c "$T/eapol.conf" -a 127.0.0.1 -p "${AUTH_PORT[mfa-eap]}" -s "$RADIUS_SECRET" -t 5
}
if [ -z "$EAPOL" ]; then
	case_end
	echo "skip radius/doc_eap_gtc_login: eapol_test is not installed"
	exit
fi
case_begin doc_eap_gtc_login
eapol eve GTC "hunter2$(code)"
grep -q "code=2 (Access-Accept)" <<< "$OUT" || fail "GTC with password and code refused: $(tail -n 5 <<< "$OUT")"
# A NAK to EAP-MD5 (password only) must not get around the code.
eapol eve MD5 hunter2
grep -q "code=2 (Access-Accept)" <<< "$OUT" && fail "EAP-MD5 with the password alone was accepted"
eapol frank GTC "wrongpw$(code)"
grep -q "code=3 (Access-Reject)" <<< "$OUT" || fail "wrong password not refused: $(tail -n 5 <<< "$OUT")"
grep -q '"event":"verify","user":"frank"' "$T/audit.json" && fail "a wrong password reached the code check"
