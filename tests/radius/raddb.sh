# raddb.sh - a private FreeRADIUS for tests and benchmarks, generated from
# Debian's /etc/freeradius/3.0 (copied, never edited) with rlm_mfa loaded
# from build/. Source it after tests/cli/lib.sh (needs $T, $MFA_CONFIG).
#
#   raddb_make PORT_BASE     writes $T/raddb: three virtual servers, one per
#                            mode, on 127.0.0.1 PORT_BASE (otp), +1 (append),
#                            +2 (challenge), + 3 (pap only), + 4 (rlm_totp)
#   raddb_start / raddb_stop runs radiusd in the foreground (background job)
#   radius PORT ATTRS...     one Access-Request with radclient; OUT, RC
#   with_ma FILE             adds Message-Authenticator to each request of a
#                            radclient -f file (the client requires it)
# CHALLENGE_TIMEOUT and CHALLENGE_APPROVE set the challenge instance's
# challenge_timeout and approve (passkey approvals, docs/approvals.md).
# A second radiusd: set RADDB, RADLOG and RADRUN to directories of its own
# before raddb_make and raddb_start, and keep P_* and RADIUSD_PID of each.
ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
RADDB=$T/raddb
RADLOG=$T/radlog
RADRUN=$T/radrun
RADIUS_SECRET=testing123
RADIUSD_PID=""

raddb_make() {
	local base=$1
	P_OTP=$base P_APPEND=$((base + 1)) P_CHALLENGE=$((base + 2)) P_PAP=$((base + 3)) P_TOTP=$((base + 4))
	rm -rf "$RADDB"
	cp -a /etc/freeradius/3.0 "$RADDB"
	mkdir -p "$RADLOG" "$RADRUN"
	# Only what these servers use is enabled: no certificates, no EAP.
	rm -f "$RADDB"/sites-enabled/* "$RADDB"/mods-enabled/*
	for m in always pap files expr; do ln -s ../mods-available/$m "$RADDB/mods-enabled/$m"; done
	cat > "$RADDB/mods-enabled/mfa" <<MODS
mfa mfa_otp {
	config = $MFA_CONFIG
	mode = otp
}
mfa mfa_append {
	config = $MFA_CONFIG
	mode = append
}
mfa mfa_challenge {
	config = $MFA_CONFIG
	mode = challenge
	challenge_timeout = ${CHALLENGE_TIMEOUT:-60}
	approve = ${CHALLENGE_APPROVE:-no}
}
totp {
}
MODS
	cat > "$RADDB/mods-config/files/authorize" <<'USERS'
DEFAULT	Cleartext-Password := "hunter2"
USERS
	cat > "$RADDB/radiusd.conf" <<CONF
prefix = /usr
exec_prefix = /usr
sysconfdir = /etc
localstatedir = /var
sbindir = /usr/sbin
logdir = $RADLOG
raddbdir = $RADDB
radacctdir = \${logdir}/radacct
name = freeradius
confdir = \${raddbdir}
modconfdir = \${confdir}/mods-config
certdir = \${confdir}/certs
cadir = \${confdir}/certs
run_dir = $RADRUN
db_dir = \${raddbdir}
libdir = $ROOT/build:/usr/lib/freeradius
pidfile = \${run_dir}/radiusd.pid
correct_escapes = true
max_request_time = 30
cleanup_delay = 0
max_requests = 65536
hostname_lookups = no
log {
	destination = files
	file = \${logdir}/radius.log
	colourise = no
	auth = no
}
checkrad = \${sbindir}/checkrad
security {
	allow_core_dumps = no
	max_attributes = 200
	reject_delay = 0
	status_server = yes
}
thread pool {
	start_servers = 8
	max_servers = 32
	min_spare_servers = 4
	max_spare_servers = 16
	max_requests_per_server = 0
	auto_limit_acct = no
}
client localhost {
	ipaddr = 127.0.0.1
	secret = $RADIUS_SECRET
	shortname = vpn-test
	nas_type = other
	# As docs/rlm_mfa.md recommends (Blast-RADIUS): an Access-Request
	# without Message-Authenticator is dropped.
	require_message_authenticator = yes
}
modules {
	\$INCLUDE mods-enabled/
}
instantiate {
}
policy {
	\$INCLUDE policy.d/
}

# otp: User-Password is the code.
server mfa-otp {
	listen {
		type = auth
		ipaddr = 127.0.0.1
		port = $P_OTP
	}
	authorize {
		mfa_otp
	}
	authenticate {
		Auth-Type mfa_otp {
			mfa_otp
		}
	}
}

# append: User-Password is password then code; pap checks the password,
# then mfa_append the code it split off in authorize.
server mfa-append {
	listen {
		type = auth
		ipaddr = 127.0.0.1
		port = $P_APPEND
	}
	authorize {
		files
		mfa_append
		pap
	}
	authenticate {
		Auth-Type PAP {
			pap
			mfa_append
		}
	}
}

# challenge: password first (pap), then Access-Challenge for the code.
server mfa-challenge {
	listen {
		type = auth
		ipaddr = 127.0.0.1
		port = $P_CHALLENGE
	}
	authorize {
		mfa_challenge
		files
		pap
	}
	authenticate {
		Auth-Type PAP {
			pap
			mfa_challenge
		}
		Auth-Type mfa_challenge {
			mfa_challenge
		}
	}
}

# For the benchmark: the same server checking the password only...
server pap-only {
	listen {
		type = auth
		ipaddr = 127.0.0.1
		port = $P_PAP
	}
	authorize {
		files
		pap
	}
	authenticate {
		Auth-Type PAP {
			pap
		}
	}
}

# ... and Debian's rlm_totp (TOTP-Secret from the users file).
server totp {
	listen {
		type = auth
		ipaddr = 127.0.0.1
		port = $P_TOTP
	}
	authorize {
		files
		update request {
			&TOTP-Password := &User-Password
		}
		update control {
			&Auth-Type := totp
		}
	}
	authenticate {
		Auth-Type totp {
			totp
		}
	}
}
CONF
}

raddb_start() {
	: > "$RADLOG/radius.log"
	if ! freeradius -C -d "$RADDB" -n radiusd > "$RADLOG/check.log" 2>&1; then
		echo "  radiusd -C failed:" >&2
		tail -n 20 "$RADLOG/check.log" >&2
		return 1
	fi
	freeradius -f -d "$RADDB" -n radiusd > "$RADLOG/stdout.log" 2>&1 &
	RADIUSD_PID=$!
	for _ in $(seq 100); do
		if [ -n "$(ss -lunH "src 127.0.0.1 and sport = :$P_CHALLENGE" 2> /dev/null)" ]; then
			return 0
		fi
		kill -0 "$RADIUSD_PID" 2> /dev/null || break
		sleep 0.1
	done
	echo "  radiusd did not start:" >&2
	tail -n 20 "$RADLOG/radius.log" "$RADLOG/stdout.log" >&2
	return 1
}

raddb_stop() {
	[ -n "$RADIUSD_PID" ] || return 0
	# Each step may find it gone already; the demo runs this under set -e.
	kill "$RADIUSD_PID" 2> /dev/null || true
	for _ in $(seq 50); do kill -0 "$RADIUSD_PID" 2> /dev/null || break; sleep 0.1; done
	kill -9 "$RADIUSD_PID" 2> /dev/null || true
	wait "$RADIUSD_PID" 2> /dev/null || true
	RADIUSD_PID=""
}

# radius PORT 'Attr = "value", ...': one request, 2 s timeout, one retry;
# radclient computes the Message-Authenticator 0x00 stands for.
radius() {
	local port=$1
	shift
	run sh -c 'printf "%s\n" "$1" | radclient -x -r 2 -t 2 "127.0.0.1:$2" auth "$3"' sh \
		"Message-Authenticator = 0x00, $*" "$port" "$RADIUS_SECRET"
}
# with_ma FILE: each request in FILE (one line each) gets a Message-Authenticator.
with_ma() { sed -i '/^[[:space:]]*$/!{/^Message-Authenticator /!s/^/Message-Authenticator = 0x00, /}' "$1"; }
# What radclient's answer in OUT was; the Reply-Message it printed.
accepted() { grep -q "Received Access-Accept" <<< "$OUT" || fail "not accepted: $OUT"; }
rejected() { grep -q "Received Access-Reject" <<< "$OUT" || fail "not rejected: $OUT"; }
challenged() { grep -q "Received Access-Challenge" <<< "$OUT" || fail "no Access-Challenge: $OUT"; }
message() { sed -n 's/^[[:space:]]*Reply-Message = "\(.*\)"$/\1/p' <<< "$OUT" | head -n 1; }
# The State radclient printed, as a hex literal to send back.
reply_state() { sed -n 's/^[[:space:]]*State = \(0x[0-9a-f]*\).*/\1/p' <<< "$OUT" | head -n 1; }
