#!/bin/bash
# demo.sh - enroll an authenticator and log in with it through PAM and
# FreeRADIUS, then register a security key in headless Chromium and sign in
# with it, on a private store under build/demo (nothing outside the checkout
# is touched).
# On a terminal you scan the QR code with your phone and type its codes;
# without one (CI, a pipe) oathtool plays the phone.
set -eu
cd "$(dirname "$0")/.."
MFACTL=$PWD/build/mfactl
DEMO=$PWD/build/demo
rm -rf "$DEMO"
mkdir -p "$DEMO"
chmod 700 "$DEMO"
export MFA_CONFIG=$DEMO/mfa.conf
cat > "$MFA_CONFIG" <<CONF
store = sqlite:$DEMO/mfa.db
key_file = $DEMO/mfa.key
audit_syslog = no
audit_file = $DEMO/audit.json
issuer = mfa-demo
CONF

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
interactive=false
[ -t 0 ] && [ -t 1 ] && interactive=true

say "mfactl init: key file and store, private to root"
"$MFACTL" init

# The resident service pam_mfa.so asks (systemd starts it on a real host).
MFAD_PID=""
stop_mfad() { [ -z "$MFAD_PID" ] || kill "$MFAD_PID" 2> /dev/null; MFAD_PID=""; }
trap 'stop_mfad' EXIT
say "mfad: the login service, holding the store open for pam_mfa.so"
build/mfad --config "$MFA_CONFIG" --socket "$DEMO/mfad.sock" 2> "$DEMO/mfad.log" &
MFAD_PID=$!
for _ in $(seq 100); do grep -q 'answering at' "$DEMO/mfad.log" && break; sleep 0.05; done
cat "$DEMO/mfad.log"

# A real PAM login: pamtester runs the service file below through Linux-PAM;
# pam_wrapper lets that service file live here instead of /etc/pam.d.
mkdir -p "$DEMO/pam.d"
echo "auth required pam_deny.so" > "$DEMO/pam.d/other"
echo "auth required $PWD/build/pam_mfa.so socket=$DEMO/mfad.sock max_tries=1" > "$DEMO/pam.d/mfa-demo"
pam_login() {
	LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$DEMO/pam.d" \
		pamtester mfa-demo demo authenticate || true
}

if $interactive; then
	say "mfactl enroll demo: scan the code with your authenticator app"
	"$MFACTL" enroll demo --label "demo@$(hostname)"
	say "Log in through PAM (pam_mfa.so): wait for the app's NEXT code (the first one is used up)"
	pam_login
	say "Log in through PAM again with the code you just used: it is refused"
	read -r -p "Type the same code once more: " code
	echo "$code" | pam_login
else
	say "mfactl enroll demo (no terminal here: oathtool plays the phone)"
	# The phone's seed is made here only so that oathtool can know it.
	secret=$(head -c 20 /dev/urandom | base32)
	oathtool --totp -b "$secret" > "$DEMO/first-code"
	"$MFACTL" enroll demo --secret "$secret" --label "demo phone" < "$DEMO/first-code"
	echo "(oathtool typed $(cat "$DEMO/first-code"))"
	code=$(oathtool --totp -b -N "@$(( $(date +%s) + 30 ))" "$secret")
	say "Log in through PAM (pamtester, pam_mfa.so) with the phone's next code: $code"
	echo "$code" | pam_login
	echo
	say "The same code a second time is refused"
	echo "$code" | pam_login
	echo
	say "mfactl verify runs the same check: the code is used up there too"
	"$MFACTL" verify demo "$code" || true
fi

# A real FreeRADIUS on 127.0.0.1 with rlm_mfa.so, the raddb generated from
# Debian's /etc/freeradius/3.0 (as the tests do), and radclient as the VPN.
T=$DEMO
run() { RC=0; "$@" > "$T/.out" 2> "$T/.err" < /dev/null || RC=$?; OUT=$(cat "$T/.out"); }
. tests/radius/raddb.sh
raddb_make 41812
trap 'raddb_stop; stop_mfad' EXIT
say "FreeRADIUS on 127.0.0.1 with rlm_mfa (challenge mode: password, then code)"
raddb_start
show() { grep -E "Received|Reply-Message" <<< "$OUT" | sed 's/^/  /'; }
echo "radclient: User-Name = demo, User-Password = hunter2"
radius "$P_CHALLENGE" "User-Name = demo, User-Password = hunter2"
show
state=$(reply_state)
if $interactive; then
	read -r -p "Wait for the app's next code, then type it: " code
else
	now=$(date +%s)
	wait_s=$(( 30 - now % 30 ))
	echo "(waiting ${wait_s}s for the phone's next unused code)"
	sleep "$wait_s"
	code=$(oathtool --totp -b -N "@$(( $(date +%s) + 30 ))" "$secret")
fi
echo "radclient: User-Name = demo, User-Password = $code, State = (from the challenge)"
radius "$P_CHALLENGE" "User-Name = demo, User-Password = $code, State = $state"
show
say "The same code again, through the OTP-only server: refused"
radius "$P_OTP" "User-Name = demo, User-Password = $code"
show
raddb_stop

# A security key: a real headless Chromium, its virtual authenticator (the
# DevTools WebAuthn domain) standing in for a YubiKey, runs both WebAuthn
# ceremonies with the options mfactl prints and hands the answers back.
. tests/webauthn/browser_env.sh
if why=$(browser_ready); then
	port=$(free_port)
	printf 'webauthn_rp_id = localhost\nwebauthn_origins = http://localhost:%s\n' "$port" >> "$MFA_CONFIG"
	say "A security key: headless Chromium registers one for demo and signs in (mfactl webauthn)"
	node "$FLOW" --mfactl "$MFACTL" --config "$MFA_CONFIG" --user demo --port "$port" \
		--out "$DEMO/webauthn" --uv --label "demo key"
	say "The browser's answer sent a second time: refused"
	"$MFACTL" webauthn login-finish demo < "$DEMO/webauthn/login-response-1.json" || true
else
	say "No security key step: $why"
fi

say "What support sees: mfactl list demo"
"$MFACTL" list demo
say "Audit trail ($DEMO/audit.json)"
cat "$DEMO/audit.json"
echo
echo "Done. The demo store is in $DEMO; MFA_CONFIG=$MFA_CONFIG $MFACTL --help shows the rest."
