#!/bin/bash
# test_units.sh - web/mfa-web.service: systemd verifies it and rates its
# sandbox, make install puts it (and the binary) in place, and the portal
# works the way the unit starts it: as web_user from the first instruction,
# with no capability and no new privileges (setpriv does what User=,
# CapabilityBoundingSet= and NoNewPrivileges= do).
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/lib.sh"
UNIT=$ROOT/web/mfa-web.service
SECRET=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ

case_begin unit_verifies_and_is_sandboxed
mkdir -p "$W/units"
# verify wants ExecStart's binary to exist: the plain build's.
sed "s|@SBINDIR@|$ROOT/build|" "$UNIT" > "$W/units/mfa-web.service"
run systemd-analyze verify --man=no "$W/units/mfa-web.service"
expect_rc 0
grep -q "mfa-web" <<< "$ERR" && fail "verify: $ERR"
# systemd's own rating: 1.2 or better on its 0-10 scale (the unit as shipped: 1.2).
run systemd-analyze security --offline=yes --threshold=12 "$W/units/mfa-web.service"
expect_rc 0
expect_out "ProtectSystem="
# Never root, no capability at all: nothing to drop, nothing to regain.
grep -qx 'User=mfa-web' "$UNIT" || fail "the unit does not set User=mfa-web"
grep -qx 'CapabilityBoundingSet=' "$UNIT" || fail "the unit keeps capabilities"
grep -qx 'NoNewPrivileges=yes' "$UNIT" || fail "the unit allows new privileges"

case_begin make_install_puts_unit_and_binary
run make -C "$ROOT" --no-print-directory -s install DESTDIR="$W/dest" PREFIX=/usr
expect_rc 0
cmp -s "$ROOT/build/mfa-web" "$W/dest/usr/sbin/mfa-web" || fail "mfa-web not installed in sbin"
[ -x "$W/dest/usr/sbin/mfa-web" ] || fail "installed mfa-web is not executable"
inst=$W/dest/lib/systemd/system/mfa-web.service
grep -qx 'ExecStart=/usr/sbin/mfa-web --config /etc/mfa/mfa.conf' "$inst" ||
	fail "installed unit: $(grep ExecStart "$inst" 2> /dev/null)"
[ "$(stat -c %a "$inst" 2> /dev/null)" = 644 ] || fail "installed unit mode $(stat -c %a "$inst")"
[ -f "$W/dest/usr/share/man/man8/mfa-web.8" ] || fail "mfa-web(8) not installed"

case_begin serves_started_as_web_user_without_capabilities
"$MFACTL" init > /dev/null || fail "mfactl init"
"$MFACTL" enroll alice --secret "$SECRET" --no-confirm > /dev/null
web_mfad_start || fail "mfad did not start"
cat > "$W/as-web-user" <<EOF
#!/bin/sh
exec setpriv --reuid=nobody --regid=nogroup --clear-groups --no-new-privs \
	--bounding-set=-all --inh-caps=-all "$WEB_BIN" "\$@"
EOF
chmod 0755 "$W/as-web-user"
WEB_BIN=$W/as-web-user web_start || fail "did not start as nobody: $(tail -n 3 "$WEB_LOG")"
uid=$(awk '/^Uid:/ { print $2 }' "/proc/$WEB_PID/status" 2> /dev/null)
[ "$uid" = "$(id -u nobody)" ] || fail "runs as uid '$uid', not nobody"
grep -q '^CapEff:[[:space:]]*0*$' "/proc/$WEB_PID/status" || fail "has capabilities"
# The password through mfad (which takes uid nobody as web_user), the code
# against the store (reached through the group nogroup).
signin alice "$ALICE_PW"
expect_status 200
req POST /api/signin/code "{\"code\":\"$(totp "$SECRET")\"}"
expect_status 200
[ "$(jget session.stage)" = signed_in ] || fail "stage $(jget session.stage): $BODY"
req GET /api/me ""
expect_status 200
web_stop
[ "${WEB_RC:-1}" -eq 0 ] || fail "exit status ${WEB_RC:-none}"
web_clean || fail "sanitizer report: $(grep -A5 'Sanitizer\|runtime error' "$WEB_LOG" | head -20)"
