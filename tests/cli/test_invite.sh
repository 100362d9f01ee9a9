#!/bin/bash
# test_invite.sh - mfactl invite: the one-time link is the last line of
# output; --expires takes s, m, h and d and refuses anything else; without
# web_url nothing is made; the link works once (through the core, as the
# portal will use it: tests/unit/test_invite.c), and delete takes it.
# backends: sqlite pg
. "$(dirname "$0")/lib.sh"
"$MFACTL" init > /dev/null || fail "init"
invites() { store_sql "SELECT count(*) FROM invites" "SELECT count(*) FROM mfa_invites"; }
TOKEN_RE='[A-Za-z0-9_-]{43}'

case_begin web_url_unset_refused_nothing_written
run "$MFACTL" invite alice
expect_rc 2
expect_err "web_url is not set"
expect_err "web_url = https://mfa.example.com"
expect_err "no invite was made"
[ -z "$OUT" ] || fail "printed something: $OUT"
[ "$(invites)" = 0 ] || fail "an invite was stored: $(invites)"
grep -q '"event":"invite"' "$T/audit.json" && fail "audited an invite that was not made"
echo "web_url = https://mfa.example.com/" >> "$MFA_CONFIG"

case_begin invite_prints_url_last
run "$MFACTL" invite alice
expect_rc 0
last=$(tail -n 1 <<< "$OUT")
grep -qxE "https://mfa\.example\.com/invite#$TOKEN_RE" <<< "$last" || fail "last line is not the link: $OUT"
expect_out "One-time invite for alice, valid until "
[ "$(wc -l <<< "$OUT")" = 2 ] || fail "not two lines: $OUT"
[ "$(invites)" = 1 ] || fail "not one invite stored: $(invites)"
token=${last##*#}
# The token is nowhere but in the output: not in the store, not in the audit.
if on_sqlite; then
	grep -qF "$token" "$T/mfa.db" "$T/mfa.db-wal" 2>/dev/null && fail "the token is in the store file"
	store_dump | grep -qF "$token" && fail "the token is in the store"
fi
grep -qF "$token" "$T/audit.json" && fail "the token is in the audit file"
grep -q '"event":"invite","user":"alice","source":"-","outcome":"created","detail":"by '"$(id -un)"', expires ' "$T/audit.json" ||
	fail "no invite audit event: $(tail -n 1 "$T/audit.json")"

case_begin invite_actor_is_sudo_user
SUDO_USER=helpdesk1 "$MFACTL" invite alice > /dev/null || fail "invite failed"
tail -n 1 "$T/audit.json" | grep -q '"detail":"by helpdesk1, expires ' || fail "actor: $(tail -n 1 "$T/audit.json")"
run "$MFACTL" export alice
expect_rc 0
expect_out '"created_by": "helpdesk1"'
grep -qF "$token" <<< "$OUT" && fail "export shows a token"
grep -q hash <<< "$OUT" && fail "export shows a hash"

case_begin expires_durations
now=$(date +%s)
for d in 90:90 90s:90 15m:900 2h:7200 7d:604800; do
	run "$MFACTL" invite bob --expires "${d%%:*}" --json
	expect_rc 0
	exp=$(json_get "['expires']" <<< "$OUT")
	delta=$((exp - now - ${d##*:}))
	[ "$delta" -ge 0 ] && [ "$delta" -le 30 ] || fail "--expires ${d%%:*}: expires $exp, now $now"
	grep -qE "^https://mfa\.example\.com/invite#$TOKEN_RE\$" <<< "$(json_get "['url']" <<< "$OUT")" ||
		fail "--json url: $OUT"
	[ "$(json_get "['user']" <<< "$OUT")" = bob ] || fail "--json user: $OUT"
done
# Without --expires: 24 h, or the config's invite_expires.
run "$MFACTL" invite bob --json
exp=$(json_get "['expires']" <<< "$OUT")
[ $((exp - now)) -ge 86400 ] && [ $((exp - now)) -le 86430 ] || fail "default: $exp, now $now"

case_begin expires_parse_errors_change_nothing
before=$(invites)
for bad in "" 2x 1w 1.5h -1h h 1hh 0 " 1h" 99999999999d; do
	run "$MFACTL" invite carol --expires "$bad"
	expect_rc 2
	expect_err "is not a duration: give seconds, or a number with s, m, h or d"
	[ -z "$OUT" ] || fail "--expires '$bad' printed: $OUT"
done
for bad in 59 59s 31d 745h; do
	run "$MFACTL" invite carol --expires "$bad"
	expect_rc 2
	expect_err "a link must live from 60 seconds to 30 days"
	expect_err "no invite was made"
done
run "$MFACTL" invite carol --expires
expect_rc 2
expect_err "--expires needs a value"
run "$MFACTL" invite
expect_rc 2
expect_err "usage: mfactl invite USER [--expires DURATION]"
run "$MFACTL" invite "car ol"
expect_rc 2
expect_err "invalid user name"
[ "$(invites)" = "$before" ] || fail "an invite was stored: $(invites), was $before"

case_begin invite_expires_config
sed -i '/^invite_expires/d' "$MFA_CONFIG"
echo "invite_expires = 3d" >> "$MFA_CONFIG"
now=$(date +%s)
run "$MFACTL" invite dave --json
expect_rc 0
exp=$(json_get "['expires']" <<< "$OUT")
[ $((exp - now)) -ge 259200 ] && [ $((exp - now)) -le 259230 ] || fail "invite_expires = 3d: $exp, now $now"
sed -i 's/^invite_expires = 3d/invite_expires = 3w/' "$MFA_CONFIG"
run "$MFACTL" invite dave
expect_rc 2
expect_err "invite_expires: '3w' is not a duration from 60s to 30d"
sed -i '/^invite_expires/d' "$MFA_CONFIG"

case_begin delete_takes_invites
run "$MFACTL" invite erin
expect_rc 0
run "$MFACTL" delete erin
expect_rc 0
expect_out "Every record of erin is erased."
n=$(store_sql "SELECT count(*) FROM invites WHERE user = 'erin'" \
	"SELECT count(*) FROM mfa_invites WHERE username = 'erin'")
[ "$n" = 0 ] || fail "erin's invite stayed: $n"
run "$MFACTL" export erin
expect_rc 2

case_begin help_lists_invite
run "$MFACTL" --help
expect_rc 0
expect_out "invite       a one-time link to the portal"
expect_out "USER [--expires DURATION] [--json]"
