#!/bin/bash
# test_user_case.sh - the user-name case bypass: bob is enrolled, and the
# password backend ignores case (as LDAP and Active Directory compare
# names), so "BOB" with bob's password passes the first factor. Under
# no_factor = accept, BOB used to count as a user without a factor and got
# Access-Accept without a code. Now a name that differs only in case from an
# enrolled user's is refused (user_case = exact), or is that user
# (user_case = lower) and must give their code.
#
# The radiusd of raddb.sh, with more servers: a backend that knows bob's
# password under any case (unlang, /^bob$/i), in front of mfa instances in
# append and challenge mode, all with no_factor = accept; one pair reads
# mfa.conf (user_case = exact, the default), one pair a copy of it with
# user_case = lower (the same store); and the backend alone.
. "$(dirname "$0")/../cli/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/raddb.sh"
SECRET_A=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
SECRET_B=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP

if ! command -v freeradius > /dev/null || ! command -v radclient > /dev/null; then
	echo "skip radius/user_case: freeradius or radclient is not installed"
	exit 0
fi
"$MFACTL" init > /dev/null
# bob has two tokens: each accepted code uses up its time step, and this
# test logs bob in four times within a step or two.
"$MFACTL" enroll bob --secret "$SECRET_A" --no-confirm --no-qr > /dev/null
"$MFACTL" enroll bob --secret "$SECRET_B" --no-confirm --no-qr > /dev/null
[ "$("$MFACTL" list bob --json | grep -o '"id"' | wc -l)" = 2 ] || {
	echo "not ok radius/user_case (bob does not have two tokens)"
	exit 1
}
# code SECRET STEPS: the code of the time step STEPS away from now (-1, 0
# or 1: inside the window the core accepts). Successive accepted codes of
# one token must come from later steps: -1, then 0, then 1.
code() { oathtool --totp -b "$1" -N "$(date -u -d "@$(($(date +%s) + 30 * $2))" '+%Y-%m-%d %H:%M:%S UTC')"; }
says() { grep -qF "Reply-Message = \"$1" <<< "$OUT" || fail "no Reply-Message '$1': $OUT"; }
no_state() { grep -q "State = " <<< "$OUT" && fail "a challenge was sent: $OUT"; }
audited() { grep -q "$1" "$T/audit.json" || fail "no audit line matching $1: $(tail -n 3 "$T/audit.json")"; }
audit_lines() { grep -c "$1" "$T/audit.json"; }
NO_AUTH="No authenticator is enrolled for this account: ask your administrator."

base=$((30000 + RANDOM % 20000))
raddb_make "$base"
trap 'raddb_stop; case_end; rm -rf "$T"; exit "$ANY_FAILED"' EXIT
P_X_APPEND=$((base + 5)) P_X_CHALLENGE=$((base + 6))
P_L_APPEND=$((base + 7)) P_L_CHALLENGE=$((base + 8)) P_BACKEND=$((base + 9))
cp "$MFA_CONFIG" "$T/mfa-lower.conf"
echo "user_case = lower" >> "$T/mfa-lower.conf"

cat >> "$RADDB/mods-enabled/mfa" <<MODS
mfa mfa_x_append {
	config = $MFA_CONFIG
	mode = append
	no_factor = accept
}
mfa mfa_x_challenge {
	config = $MFA_CONFIG
	mode = challenge
	no_factor = accept
}
mfa mfa_l_append {
	config = $T/mfa-lower.conf
	mode = append
	no_factor = accept
}
mfa mfa_l_challenge {
	config = $T/mfa-lower.conf
	mode = challenge
	no_factor = accept
}
MODS
# The backend: like an LDAP bind, it finds bob's password whatever the case
# of the name; and dan, who has no token, to show accept still works.
cat > "$RADDB/policy.d/case_blind_backend" <<'POLICY'
case_blind_backend {
	if (&User-Name =~ /^bob$/i) {
		update control {
			&Cleartext-Password := "bobpass"
		}
	}
	elsif (&User-Name =~ /^dan$/i) {
		update control {
			&Cleartext-Password := "danpass"
		}
	}
}
POLICY
server_pair() {  # NAME INSTANCE-PREFIX APPEND-PORT CHALLENGE-PORT
	cat <<CONF
server $1-append {
	listen {
		type = auth
		ipaddr = 127.0.0.1
		port = $3
	}
	authorize {
		case_blind_backend
		$2_append
		pap
	}
	authenticate {
		Auth-Type PAP {
			pap
			$2_append
		}
	}
}
server $1-challenge {
	listen {
		type = auth
		ipaddr = 127.0.0.1
		port = $4
	}
	authorize {
		$2_challenge
		case_blind_backend
		pap
	}
	authenticate {
		Auth-Type PAP {
			pap
			$2_challenge
		}
		Auth-Type $2_challenge {
			$2_challenge
		}
	}
}
CONF
}
{
	server_pair case-exact mfa_x "$P_X_APPEND" "$P_X_CHALLENGE"
	server_pair case-lower mfa_l "$P_L_APPEND" "$P_L_CHALLENGE"
	cat <<CONF
server case-backend {
	listen {
		type = auth
		ipaddr = 127.0.0.1
		port = $P_BACKEND
	}
	authorize {
		case_blind_backend
		pap
	}
	authenticate {
		Auth-Type PAP {
			pap
		}
	}
}
CONF
} >> "$RADDB/radiusd.conf"

case_begin case_radiusd_starts
raddb_start || fail "radiusd did not start"
[ -n "$RADIUSD_PID" ] || exit 1

case_begin case_backend_ignores_case
# The premise: the first factor alone lets BOB in with bob's password.
radius "$P_BACKEND" "User-Name = BOB, User-Password = bobpass"
accepted
radius "$P_BACKEND" "User-Name = BOB, User-Password = wrong"
rejected

case_begin case_twin_refused_append
radius "$P_X_APPEND" "User-Name = BOB, User-Password = bobpass"
rejected
says "$NO_AUTH"
audited '"event":"verify","user":"BOB","source":"radius:vpn-test","outcome":"no_factor".*differs only in case'
grep -q '"user":"BOB".*"outcome":"accepted"' "$T/audit.json" && fail "BOB was accepted: $(grep BOB "$T/audit.json")"
# Nor with bob's code after the password (the backend's password, then
# something the twin has no token for).
radius "$P_X_APPEND" "User-Name = BoB, User-Password = \"bobpass$(code "$SECRET_A" 0)\""
rejected
grep -q '"user":"BoB".*"outcome":"accepted"' "$T/audit.json" && fail "BoB was accepted"
# The other modules count: no "Access-Accept" came from the mfa instance.
grep -q '"user":"BOB".*"outcome":"no_factor".*"accepted: no_factor = accept"' "$T/audit.json" &&
	fail "BOB went through no_factor = accept"

case_begin case_twin_refused_challenge
n=$(audit_lines '"user":"BOB".*differs only in case')
radius "$P_X_CHALLENGE" "User-Name = BOB, User-Password = bobpass"
rejected
no_state
says "$NO_AUTH"
[ "$(audit_lines '"user":"BOB".*differs only in case')" = $((n + 1)) ] ||
	fail "the challenge-mode refusal was not audited: $(tail -n 3 "$T/audit.json")"

case_begin case_exact_bob_still_logs_in
# Codes of this step, then the next: a step that ends meanwhile leaves
# both in the window (a step behind, then this one).
radius "$P_X_APPEND" "User-Name = bob, User-Password = \"bobpass$(code "$SECRET_A" 0)\""
accepted
radius "$P_X_CHALLENGE" "User-Name = bob, User-Password = bobpass"
grep -q "Received Access-Challenge" <<< "$OUT" || fail "no challenge for bob: $OUT"
state=$(reply_state)
radius "$P_X_CHALLENGE" "User-Name = bob, User-Password = $(code "$SECRET_A" 1), State = $state"
accepted
[ "$(audit_lines '"event":"verify","user":"bob","source":"radius:vpn-test","outcome":"accepted"')" = 2 ] ||
	fail "bob's two logins were not audited: $(grep '"bob"' "$T/audit.json")"
# bob without a code is asked for one, not let in by no_factor = accept.
radius "$P_X_APPEND" "User-Name = bob, User-Password = bobpass"
rejected
says "Type your password followed by the code"

case_begin case_no_factor_accept_still_accepts
# dan has no token and no twin: the first factor alone decides.
radius "$P_X_APPEND" "User-Name = dan, User-Password = danpass"
accepted
radius "$P_X_CHALLENGE" "User-Name = dan, User-Password = danpass"
accepted
no_state
[ "$(audit_lines '"user":"dan".*"outcome":"no_factor".*"detail":"accepted: no_factor = accept"')" = 2 ] ||
	fail "dan's accepts not audited: $(grep '"dan"' "$T/audit.json")"

case_begin case_lower_bob_is_bob
# user_case = lower: BOB is bob, and must give bob's code.
radius "$P_L_APPEND" "User-Name = BOB, User-Password = bobpass"
rejected
says "Type your password followed by the code"
radius "$P_L_APPEND" "User-Name = BOB, User-Password = \"bobpass$(code "$SECRET_B" 0)\""
accepted
radius "$P_L_CHALLENGE" "User-Name = BOB, User-Password = bobpass"
grep -q "Received Access-Challenge" <<< "$OUT" || fail "no challenge for BOB: $OUT"
state=$(reply_state)
radius "$P_L_CHALLENGE" "User-Name = BOB, User-Password = $(code "$SECRET_B" 1), State = $state"
accepted
[ "$(audit_lines '"event":"verify","user":"bob","source":"radius:vpn-test","outcome":"accepted"')" = 4 ] ||
	fail "BOB's logins were not audited as bob's: $(tail -n 4 "$T/audit.json")"
grep -q '"user":"BOB".*"outcome":"accepted"' "$T/audit.json" && fail "an accept audited as BOB"
# A wrong code is bob's failure, counted against bob.
radius "$P_L_APPEND" "User-Name = Bob, User-Password = \"bobpass000000\""
rejected
says "Wrong code."
[ "$(sqlite3 "$T/mfa.db" "select failures from users where name = 'bob'")" = 1 ] ||
	fail "the failure was not counted against bob: $(sqlite3 "$T/mfa.db" 'select name, failures from users')"
[ -z "$(sqlite3 "$T/mfa.db" "select name from users where name <> lower(name)")" ] ||
	fail "a row for a name in capitals: $(sqlite3 "$T/mfa.db" 'select name from users')"

case_begin case_radiusd_survived
kill -0 "$RADIUSD_PID" 2> /dev/null || fail "radiusd is gone"
