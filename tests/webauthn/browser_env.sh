# shellcheck shell=bash disable=SC2034
# browser_env.sh - shared by test_browser.sh and record-fixtures.sh: finds the
# browser harness, installs its one npm dependency from the lock file when it
# is missing, picks a free port and writes an mfactl config for the WebAuthn
# origin on that port. Sourced; sets nothing else.
WEBAUTHN_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$WEBAUTHN_DIR/../.." && pwd)
BROWSER_DIR=$WEBAUTHN_DIR/browser
FLOW=$BROWSER_DIR/flow.mjs
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

# browser_ready: prints why the harness cannot run and returns 1, or returns 0.
# Runs `npm ci` (from package-lock.json) when node_modules lacks the pinned
# playwright-core. Chromium itself comes from Debian: apt-get install chromium.
browser_ready() {
	local want have log
	if ! command -v node > /dev/null; then
		echo "node is not installed (apt-get install nodejs npm)"
		return 1
	fi
	if [ ! -x "$CHROMIUM" ]; then
		echo "no Chromium at $CHROMIUM (apt-get install chromium)"
		return 1
	fi
	want=$(node -p "require('$BROWSER_DIR/package.json').dependencies['playwright-core']") || return 1
	have=$(node -p "require('$BROWSER_DIR/node_modules/playwright-core/package.json').version" 2> /dev/null)
	if [ "$have" != "$want" ]; then
		if ! command -v npm > /dev/null; then
			echo "playwright-core $want is not installed and there is no npm (apt-get install npm)"
			return 1
		fi
		log=$(mktemp)
		if ! npm ci --prefix "$BROWSER_DIR" --no-audit --no-fund > "$log" 2>&1; then
			echo "npm ci --prefix $BROWSER_DIR failed:"
			tail -n 20 "$log"
			rm -f "$log"
			return 1
		fi
		rm -f "$log"
		have=$(node -p "require('$BROWSER_DIR/node_modules/playwright-core/package.json').version" 2> /dev/null)
		if [ "$have" != "$want" ]; then
			echo "npm ci left playwright-core '$have', not $want"
			return 1
		fi
	fi
	return 0
}

# free_port: prints a port in 20000-60000 that nothing holds on 127.0.0.1 or
# ::1 (Chromium may try either for "localhost"), found by binding to it.
free_port() {
	python3 - << 'PY'
import random, socket, sys
for _ in range(200):
    port = random.randint(20000, 60000)
    ok = True
    for family, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
        try:
            s = socket.socket(family, socket.SOCK_STREAM)
        except OSError:
            continue  # no IPv6 here
        try:
            s.bind((host, port))
        except OSError as e:
            if family == socket.AF_INET6 and e.errno == 99:
                continue  # ::1 not configured
            ok = False
        finally:
            s.close()
    if ok:
        print(port)
        sys.exit(0)
sys.exit("no free port found in 20000-60000")
PY
}

# write_config DIR PORT: the mfactl config for an origin of http://localhost:PORT,
# with its store and key in DIR; prints the config's path.
write_config() {
	cat > "$1/webauthn.conf" << CONF
store = sqlite:$1/mfa.db
key_file = $1/mfa.key
audit_syslog = no
audit_file = $1/audit.json
webauthn_rp_id = localhost
webauthn_rp_name = mfa test
webauthn_origins = http://localhost:$2
webauthn_user_verification = preferred
CONF
	echo "$1/webauthn.conf"
}
