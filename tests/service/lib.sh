# lib.sh - mfad for the tests that need it, after tests/cli/lib.sh: each
# instance answers at $MFAD_DIR/NAME.sock, logs to $MFAD_DIR/NAME.log, and
# is stopped at exit (the EXIT trap is extended, not replaced).
MFAD=${MFAD:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/asan/mfad}
# $T is private (0700): sockets live where any uid can reach them.
MFAD_DIR=$(mktemp -d /tmp/mfad-test-XXXXXX)
chmod 0755 "$MFAD_DIR"
declare -A MFAD_PIDS=()
MFAD_RC=""

mfad_sock() { echo "$MFAD_DIR/$1.sock"; }

# mfad_start NAME CONFIG [MFAD OPTIONS...]: starts it in the background and
# waits (at most 10 s) until it answers; 1 (its log on stderr) if it died.
mfad_start() {
	local name=$1 config=$2 log=$MFAD_DIR/$1.log before
	shift 2
	before=$(grep -c 'answering at' "$log" 2> /dev/null)
	"$MFAD" --config "$config" --socket "$MFAD_DIR/$name.sock" "$@" 2>> "$log" &
	MFAD_PIDS[$name]=$!
	for _ in $(seq 100); do
		[ "$(grep -c 'answering at' "$log")" -gt "${before:-0}" ] && return 0
		kill -0 "${MFAD_PIDS[$name]}" 2> /dev/null || break
		sleep 0.1
	done
	echo "mfad $name did not start: $(tail -n 5 "$log")" >&2
	return 1
}

# mfad_stop NAME [SIGNAL]: stops it (TERM by default); its exit status in
# MFAD_RC.
mfad_stop() {
	local pid=${MFAD_PIDS[$1]:-}
	MFAD_RC=""
	[ -n "$pid" ] || return 0
	{ kill "-${2:-TERM}" "$pid"; wait "$pid"; MFAD_RC=$?; } 2> /dev/null  # bash's "Killed" too
	unset "MFAD_PIDS[$1]"
}

# mfad_clean NAME: its log shows no sanitizer report.
mfad_clean() { ! grep -q 'ERROR: \(Address\|Leak\)Sanitizer\|runtime error' "$MFAD_DIR/$1.log"; }

_mfad_exit() {
	local name
	for name in "${!MFAD_PIDS[@]}"; do mfad_stop "$name"; done
	rm -rf "$MFAD_DIR"
}
_mfad_cur=$(trap -p EXIT)
eval "_mfad_cur=($_mfad_cur)"
# shellcheck disable=SC2064 # the current trap's text, taken now
trap "_mfad_exit; ${_mfad_cur[2]:-}" EXIT
