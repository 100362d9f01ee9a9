#!/bin/bash
# test_import.sh - mfactl import on the sample files, codes from oathtool.
# backends: sqlite pg
. "$(dirname "$0")/lib.sh"
D=${MFA_TEST_DATA:-$(dirname "$0")/../data}/import
RFC_HEX=3132333435363738393031323334353637383930
"$MFACTL" init > /dev/null
snapshot() {
	store_sql "select user, type, digits, counter, label from factors order by user, label; select user, count(*) from recovery group by user order by user;" \
		"select username, type, digits, counter, label from mfa_factors order by username, label; select username, count(*) from mfa_recovery group by username order by username;" |
		sha256sum
}

case_begin import_google_authenticator
run "$MFACTL" import google-authenticator "$D/ga/totp_basic" --user gus
expect_rc 0
expect_out "Imported 1 factor and 5 scratch codes"
expect_out "WINDOW_SIZE"
run "$MFACTL" verify gus "$(oathtool --totp "$RFC_HEX")"
expect_rc 0
run "$MFACTL" verify gus 23456789
expect_rc 0
expect_out "Recovery code accepted: 4 left"
run "$MFACTL" verify gus 23456789
expect_rc 1

case_begin import_google_authenticator_needs_user
run "$MFACTL" import google-authenticator "$D/ga/totp_basic"
expect_rc 2
expect_err "--user USER"

case_begin import_pskc_by_serial
run "$MFACTL" import pskc "$D/pskc/hotp_two.xml" --serial 987654322
expect_rc 0
expect_out "Imported 1 factor; 1 left out"
run "$MFACTL" list bob --json
[ "$(json_get "['factors'][0]['label']" <<< "$OUT")" = "pskc:987654322" ] || fail "label: $OUT"
run "$MFACTL" verify bob "$(oathtool --hotp -c 5 ${RFC_HEX}313233343536373839303132)"
expect_rc 0
run "$MFACTL" list alice --json
[ "$(json_get "['factors'].__len__()" <<< "$OUT")" = 0 ] || fail "alice imported too: $OUT"

case_begin import_pskc_owner_override
run "$MFACTL" import pskc "$D/pskc/totp.xml" --user hank
expect_rc 0
run "$MFACTL" verify hank "$(oathtool --totp -s 60 "$RFC_HEX")"
expect_rc 0

case_begin import_pskc_key_file
# RFC 6030 figure 6 (encrypted.xml): AES-128-CBC under a pre-shared key.
printf '12345678901234567890123456789012\n' > "$T/fig6.key"
chmod 644 "$T/fig6.key"
run "$MFACTL" import pskc "$D/pskc/encrypted.xml" --user erin
expect_rc 2
expect_err "give it with --key-file FILE"
run "$MFACTL" import pskc "$D/pskc/encrypted.xml" --user erin --key-file "$T/fig6.key"
expect_rc 2
expect_err "chmod 600"
chmod 600 "$T/fig6.key"
printf '12345678901234567890123456789013\n' > "$T/wrong.key"
chmod 600 "$T/wrong.key"
run "$MFACTL" import pskc "$D/pskc/encrypted.xml" --user erin --key-file "$T/wrong.key"
expect_rc 2
expect_err "wrong key"
expect_err "nothing was imported"
run "$MFACTL" import pskc "$D/pskc/encrypted.xml" --user erin --key-file "$T/fig6.key"
expect_rc 0
expect_out "Imported 1 factor"
run "$MFACTL" verify erin "$(oathtool --hotp -d 8 -c 0 "$RFC_HEX")"
expect_rc 0

case_begin import_pskc_password_file
# RFC 6030 figure 7: PBKDF2 from the password "qwerty".
printf 'qwerty\n' > "$T/fig7.pw"
chmod 600 "$T/fig7.pw"
run "$MFACTL" import pskc "$D/pskc/rfc6030_figure7.xml" --user fred --key-file "$T/fig6.key"
expect_rc 2
expect_err "give it with --password-file FILE"
run "$MFACTL" import pskc "$D/pskc/rfc6030_figure7.xml" --user fred --password-file "$T/fig7.pw"
expect_rc 0
run "$MFACTL" verify fred "$(oathtool --hotp -d 8 -c 0 "$RFC_HEX")"
expect_rc 0
run "$MFACTL" import oath "$T/users.oath" --password-file "$T/fig7.pw"
expect_rc 2
expect_err "usage"

case_begin import_pskc_force
run "$MFACTL" import pskc "$D/pskc/pin_append.xml" --user gina
expect_rc 2
expect_err "PINUsageMode Append"
expect_err "--force"
run "$MFACTL" import pskc "$D/pskc/pin_append.xml" --user gina --force
expect_rc 0
expect_out "Note: key 987654321: PINUsageMode Append ignored (--force)"
run "$MFACTL" import pskc "$D/pskc/rfc6030_figure10.xml" --user hugo
expect_rc 2
expect_err "ExpiryDate 2006-05-31 has passed"
# With --force the expiry passes, and the secret the four keys share shows.
run "$MFACTL" import pskc "$D/pskc/rfc6030_figure10.xml" --user hugo --force
expect_rc 2
expect_err "the file holds this secret twice (keys pskc:654321 and pskc:123456"
grep -qF "already has" <<< "$ERR" && fail "names a factor that does not exist: $ERR"
run "$MFACTL" list hugo --json
[ "$(json_get "['factors'].__len__()" <<< "$OUT")" = 0 ] || fail "hugo imported: $OUT"

case_begin import_pskc_pin_and_signature_notes
run "$MFACTL" import pskc "$D/pskc/rfc6030_figure5.xml" --user ines
expect_rc 0
expect_out "Imported 1 factor"
expect_out "key 987654321 skipped: it is a PIN, not an OTP key"
run "$MFACTL" import pskc "$D/pskc/rfc6030_figure9.xml" --user jack
expect_rc 0
expect_out "signature present, not checked"

case_begin import_oath_usersfile
printf 'HOTP\tivan\t-\t%s\t3\nHOTP/T30/8\tjane\t-\t%s\n' "$RFC_HEX" "$RFC_HEX" > "$T/users.oath"
run "$MFACTL" import oath "$T/users.oath"
expect_rc 0
expect_out "Imported 2 factors"
run "$MFACTL" verify ivan "$(oathtool --hotp -c 3 "$RFC_HEX")"
expect_rc 0
run "$MFACTL" verify jane "$(oathtool --totp --digits=8 "$RFC_HEX")"
expect_rc 0

case_begin import_malformed_changes_nothing
before=$(snapshot)
for f in "$D"/ga/bad_secret "$D"/ga/empty "$D"/ga/scratch_bad; do
	run "$MFACTL" import google-authenticator "$f" --user kate
	expect_rc 2
	expect_err "nothing was imported"
done
for f in "$D"/oath/bad_hex "$D"/oath/bad_type "$D"/oath/missing_secret; do
	run "$MFACTL" import oath "$f"
	expect_rc 2
	expect_err "line"
done
for f in "$D"/pskc/not_xml.xml "$D"/pskc/unknown_algorithm.xml "$D"/pskc/encrypted.xml "$D"/pskc/no_userid.xml; do
	run "$MFACTL" import pskc "$f"
	expect_rc 2
	expect_err "nothing was imported"
done
run "$MFACTL" import pskc "$D/pskc/hotp_two.xml" --serial 000
expect_rc 2
run "$MFACTL" import oath /nonexistent
expect_rc 2
expect_err "/nonexistent"
# A file whose second line repeats a secret the user has: all or nothing.
printf 'HOTP\tlena\t-\t%s\nHOTP\tivan\t-\t%s\n' "$RFC_HEX" "$RFC_HEX" > "$T/dup.oath"
run "$MFACTL" import oath "$T/dup.oath"
expect_rc 2
expect_err "already has this secret"
[ "$before" = "$(snapshot)" ] || fail "the store changed"
