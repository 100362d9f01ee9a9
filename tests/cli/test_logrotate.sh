#!/bin/bash
# test_logrotate.sh - the shipped logrotate rule (service/mfa.logrotate) on
# an audit file made by mfactl init for a group: after a rotation the new
# file has the old one's owner, group and mode, the next event lands in it
# (written by the group's service user), and the rotated file is left
# alone.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SECRET=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
chmod 755 "$T"
mkdir "$T/log"
AUDIT=$T/log/mfa/audit.json
sed -i "s|^audit_file = .*|audit_file = $AUDIT|" "$MFA_CONFIG"
grep -q "^audit_file = $AUDIT" "$MFA_CONFIG" || echo "audit_file = $AUDIT" >> "$MFA_CONFIG"
echo "group = nogroup" >> "$MFA_CONFIG"
chmod 644 "$MFA_CONFIG"
"$MFACTL" init > /dev/null || fail "init"
"$MFACTL" enroll alice --secret "$SECRET" --no-confirm --no-qr > /dev/null || fail "enroll"
# The shipped rule, pointed at this audit file.
sed -e "s|^/var/log/mfa/audit.json {|$AUDIT {|" -e "s|^\tsu root mfa$|\tsu root nogroup|" \
	"$ROOT/service/mfa.logrotate" > "$T/rotate.conf"
grep -q "su root nogroup" "$T/rotate.conf" || fail "the rule's group did not change"
grep -q "^$AUDIT {" "$T/rotate.conf" || fail "the rule's path did not change"

case_begin rotation_keeps_mode_owner_and_events_go_to_the_new_file
before=$(stat -c '%U:%G %a' "$AUDIT")
[ "$before" = "root:nogroup 660" ] || fail "init made $before"
lines=$(wc -l < "$AUDIT")
run logrotate -f -s "$T/rotate.state" "$T/rotate.conf"
expect_rc 0
[ -f "$AUDIT.1" ] || fail "not rotated: $(ls "$T/log/mfa")"
[ "$(wc -l < "$AUDIT.1")" = "$lines" ] || fail "the rotated file lost lines"
[ "$(stat -c '%U:%G %a' "$AUDIT")" = "$before" ] || fail "new file is $(stat -c '%U:%G %a' "$AUDIT")"
[ -s "$AUDIT" ] && fail "the new file is not empty"
# A service user of the group writes the next event, into the new file.
run setpriv --reuid=nobody --regid=nogroup --clear-groups "$MFACTL" verify alice 000000
[ "$(grep -c '"event":"verify"' "$AUDIT")" = 1 ] || fail "the event is not in the new file: $(cat "$AUDIT")"
[ "$(wc -l < "$AUDIT.1")" = "$lines" ] || fail "an event went to the rotated file"
case_end
