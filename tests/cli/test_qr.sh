#!/bin/bash
# test_qr.sh - the terminal QR code scans: zbarimg, an independent decoder,
# reads back exactly the otpauth:// URI, in plain and in coloured output.
. "$(dirname "$0")/lib.sh"
"$MFACTL" init > /dev/null

case_begin qr_plain_output_decodes
"$MFACTL" enroll zoe --issuer "Example VPN" --label "zoe@example.com" --no-confirm > "$T/plain.txt" 2>&1
uri=$(sed -n 's/^URI: //p' "$T/plain.txt")
[ -n "$uri" ] || fail "no URI printed"
grep -q $'\x1b\[' "$T/plain.txt" && fail "colours written to a file"
python3 "$(dirname "$0")/qr_decode.py" "$T/plain.txt" "$T/plain.pgm" || fail "no QR in output"
got=$(zbarimg --quiet --raw "$T/plain.pgm" 2>/dev/null)
[ "$got" = "$uri" ] || fail "decoded '$got', expected '$uri'"

case_begin qr_terminal_output_decodes_with_forced_colours
# script(1) gives mfactl a terminal, as a person running it would have.
TERM=xterm script -qec "$MFACTL enroll yan --no-confirm" /dev/null > "$T/tty.txt" 2>&1
tr -d '\r' < "$T/tty.txt" > "$T/tty2.txt"
grep -q $'\x1b\[30;107m' "$T/tty2.txt" || fail "no forced black-on-white colours on a terminal"
uri=$(sed -n 's/^URI: //p' "$T/tty2.txt")
python3 "$(dirname "$0")/qr_decode.py" "$T/tty2.txt" "$T/tty.pgm" || fail "no QR in output"
got=$(zbarimg --quiet --raw "$T/tty.pgm" 2>/dev/null)
[ -n "$uri" ] && [ "$got" = "$uri" ] || fail "decoded '$got', expected '$uri'"
