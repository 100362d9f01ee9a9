#!/bin/bash
# test_qr.sh - the QR code scans in every style: zbarimg, an independent
# decoder, reads back exactly the otpauth:// URI. Half blocks carry escape
# sequences only in the terminal style; ASCII is printable ASCII only.
# backends: sqlite pg
. "$(dirname "$0")/lib.sh"
"$MFACTL" init > /dev/null
DECODE=$(dirname "$0")/qr_decode.py

# decodes FILE: zbarimg reads the QR code in FILE as the URI: line below it.
decodes() {
	local uri got
	uri=$(sed -n 's/^URI: //p' "$1")
	[ -n "$uri" ] || { fail "no URI printed in $1"; return; }
	python3 "$DECODE" "$1" "$1.pgm" || { fail "no QR in $1"; return; }
	got=$(zbarimg --quiet --raw "$1.pgm" 2>/dev/null)
	[ "$got" = "$uri" ] || fail "decoded '$got', expected '$uri'"
}
no_escapes() { ! grep -q $'\x1b' "$1" || fail "an ESC byte in $1"; }
# on_tty FILE ARGS...: mfactl ARGS with a terminal on stdout, as a person
# running it would have (script(1)), its output without CRs in FILE.
on_tty() {
	local file=$1 cmd
	shift
	printf -v cmd '%q ' "$MFACTL" "$@"
	TERM=xterm script -qec "$cmd" /dev/null > "$file.raw" 2>&1
	tr -d '\r' < "$file.raw" > "$file"
}

case_begin qr_plain_output_decodes
"$MFACTL" enroll zoe --issuer "Example VPN" --label "zoe@example.com" --no-confirm > "$T/plain.txt" 2>&1
no_escapes "$T/plain.txt"
grep -q $'\xe2\x96\x88' "$T/plain.txt" || fail "no half blocks written to a file"
decodes "$T/plain.txt"

case_begin qr_terminal_output_decodes_with_forced_colours
on_tty "$T/tty.txt" enroll yan --no-confirm
grep -q $'\x1b\[30;107m' "$T/tty.txt" || fail "no forced black-on-white colours on a terminal"
grep -q $'\x1b\[0m' "$T/tty.txt" || fail "colours not reset on a terminal"
decodes "$T/tty.txt"

case_begin qr_terminal_style_forced_into_a_file
"$MFACTL" enroll xia --qr=terminal --no-confirm > "$T/term.txt" 2>&1
grep -q $'\x1b\[30;107m' "$T/term.txt" || fail "--qr=terminal wrote no colours"
decodes "$T/term.txt"

case_begin qr_utf8_style_on_a_terminal_has_no_escapes
# What a PAM conversation gets: ssh clients spell escapes out.
on_tty "$T/utf8.txt" enroll wes --qr utf8 --no-confirm
no_escapes "$T/utf8.txt"
grep -q $'\xe2\x96\x88' "$T/utf8.txt" || fail "no half blocks"
decodes "$T/utf8.txt"

case_begin qr_ascii_style_is_printable_ascii_and_decodes
"$MFACTL" enroll vic --issuer "Example VPN" --qr=ascii --no-confirm > "$T/ascii.txt" 2>&1
# Every byte of the output is 0x20-0x7e or a newline.
[ "$(LC_ALL=C tr -d '\n\040-\176' < "$T/ascii.txt" | wc -c)" -eq 0 ] ||
	fail "bytes other than printable ASCII and newline: $(LC_ALL=C tr -d '\n\040-\176' < "$T/ascii.txt" | od -An -tx1 | head -2)"
grep -q '^        ##############  ' "$T/ascii.txt" || fail "no finder pattern after a 4-module quiet zone"
decodes "$T/ascii.txt"

case_begin qr_ascii_style_on_a_terminal_has_no_escapes
on_tty "$T/ascii-tty.txt" enroll uma --qr=ascii --no-confirm
no_escapes "$T/ascii-tty.txt"
[ "$(LC_ALL=C tr -d '\n\040-\176' < "$T/ascii-tty.txt" | wc -c)" -eq 0 ] || fail "not ASCII on a terminal"
decodes "$T/ascii-tty.txt"

case_begin qr_bad_style_refused_before_enrolling
run "$MFACTL" enroll tom --qr=sixel --no-confirm
expect_rc 2
expect_err "--qr must be terminal, utf8 or ascii"
run "$MFACTL" enroll tom --qr ascii --no-qr --no-confirm
expect_rc 2
expect_err "--qr and --no-qr together"
run "$MFACTL" list tom --json
[ "$(json_get "['factors']" <<< "$OUT")" = "[]" ] || fail "a factor was enrolled: $OUT"
