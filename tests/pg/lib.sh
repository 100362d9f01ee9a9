# shellcheck shell=bash
# tests/pg/lib.sh - a private PostgreSQL 15 cluster for the tests (source it).
#
#   . tests/pg/lib.sh
#   pg_trap_exit            # pg_stop at exit, before the EXIT trap already
#                           # set (tests/cli/lib.sh's); or: trap pg_stop EXIT
#   pg_start || exit 1      # initdb, TLS, roles, database mfa; exports below
#   MFA_PG_URI_TCP ... as the store URI; pg_reset between cases
#
# One cluster per suite script: pg_start takes about a second (initdb).
# PostgreSQL refuses to run as root, so initdb, pg_ctl and the superuser's
# psql run as the "postgres" system user; the tests stay root and reach the
# test roles with SCRAM passwords that exist only in the passfile.
#
# Exports after pg_start:
#   MFA_PG_DIR       temp dir (root, 0755): data/ and sock/ (postgres, 0700
#                    and 0755), tls/, postgres.log, passfile
#   MFA_PG_PORT      TCP port on 127.0.0.1, also the socket's number
#   MFA_PG_SOCKDIR   Unix socket directory
#   MFA_PG_PASSFILE  libpq passfile (root, 0600) for mfa_owner and mfa_app
#   MFA_PG_CA        CA that signed the server's certificate (localhost,
#                    127.0.0.1)
#   MFA_PG_OTHER_CA  an unrelated CA with the same name: verify-full must
#                    refuse the server with it
#   MFA_PG_LOG       the server's log
#   MFA_PG_BIN       /usr/lib/postgresql/15/bin (psql, pg_isready ...)
#   MFA_PG_URI_TCP, MFA_PG_URI_TLS, MFA_PG_URI_SOCK            as mfa_owner
#   MFA_PG_APP_URI_TCP, MFA_PG_APP_URI_TLS, MFA_PG_APP_URI_SOCK as mfa_app
# Roles: mfa_owner owns database mfa and its schema public (mfactl init runs
# as it); mfa_app may log in but has no DDL right; pg_grant_app gives it
# SELECT/INSERT/UPDATE/DELETE on the tables once the schema exists.
# pg_hba: postgres by peer on the socket; every other role by scram-sha-256,
# on the socket and on 127.0.0.1 (with or without TLS).

MFA_PG_BIN=${MFA_PG_BIN:-/usr/lib/postgresql/15/bin}

# _pg_as_postgres CMD...: CMD as the postgres user, from /, with a clean
# environment (no PG* variable of the caller's, no unreadable cwd or HOME).
# setpriv rather than runuser: no PAM session, so no dependence on the PAM
# configuration other tests change.
_pg_as_postgres() {
	(cd / && exec setpriv --reuid=postgres --regid=postgres --init-groups env -i PATH="$MFA_PG_BIN:/usr/bin:/bin" \
		LC_ALL=C HOME=/var/lib/postgresql "$@")
}

_pg_log_tail() {
	echo "pg: last lines of ${MFA_PG_LOG:-the log}:" >&2
	tail -n 20 "${MFA_PG_LOG:-/dev/null}" >&2 2>/dev/null
}

# _pg_port_free PORT: nothing is bound to 127.0.0.1:PORT now.
_pg_port_free() {
	python3 -c 'import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))' "$1" 2>/dev/null
}

# _pg_tls DIR: a test CA, a server certificate it signed for localhost and
# 127.0.0.1, and an unrelated CA of the same name (so only the signature
# tells them apart). P-256 keys: generated in milliseconds.
_pg_tls() {
	local d=$1 ext
	ext="$d/server.ext"
	printf '%s\n' 'subjectAltName = DNS:localhost, IP:127.0.0.1' \
		'basicConstraints = critical, CA:FALSE' 'extendedKeyUsage = serverAuth' > "$ext"
	openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		-keyout "$d/ca.key" -out "$d/ca.crt" -days 2 -subj "/CN=mfa test CA" &&
	openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		-keyout "$d/other-ca.key" -out "$d/other-ca.crt" -days 2 -subj "/CN=mfa test CA" &&
	openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		-keyout "$d/server.key" -out "$d/server.csr" -subj "/CN=localhost" &&
	openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" \
		-set_serial "0x$(openssl rand -hex 8)" -days 2 -extfile "$ext" -out "$d/server.crt"
}

# _pg_ready: bounded wait (~30 s) until the server answers on TCP.
_pg_ready() {
	local i
	for ((i = 0; i < 150; i++)); do
		"$MFA_PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$MFA_PG_PORT" -d mfa -t 1 && return 0
		sleep 0.2
	done
	echo "pg: the server did not answer on 127.0.0.1:$MFA_PG_PORT within 30 s" >&2
	return 1
}

# pg_start_server: starts the cluster (again), waits until it is ready.
pg_start_server() {
	if ! _pg_as_postgres pg_ctl start -w -t 30 -D "$MFA_PG_DIR/data" \
		-l "$MFA_PG_LOG" > /dev/null; then
		echo "pg: the server did not start" >&2
		_pg_log_tail
		return 1
	fi
	_pg_ready || { _pg_log_tail; return 1; }
}

# pg_stop_server: stops the cluster (fast mode: sessions are cut), keeps it.
pg_stop_server() {
	_pg_as_postgres pg_ctl stop -m fast -w -t 30 -D "$MFA_PG_DIR/data" > /dev/null
}

# pg_freeze / pg_thaw: SIGSTOP / SIGCONT to the postmaster and every one of
# its processes: a server that takes connections into its backlog and
# answers nothing (hung, or a network that drops packets).
_pg_procs() {
	local pm
	pm=$(head -n 1 "$MFA_PG_DIR/data/postmaster.pid" 2>/dev/null) || return 1
	echo "$pm" $(pgrep -P "$pm")
}
pg_freeze() { kill -STOP $(_pg_procs); }
pg_thaw() { kill -CONT $(_pg_procs); }

# pg_stop: stops the cluster and removes its files; safe to call twice and
# from an EXIT trap (whatever pg_start got to).
pg_stop() {
	local dir=${MFA_PG_DIR:-} pid
	[ -n "$dir" ] && [ -d "$dir" ] || return 0
	if [ -f "$dir/data/postmaster.pid" ]; then
		_pg_as_postgres pg_ctl stop -m immediate -w -t 10 -D "$dir/data" > /dev/null 2>&1
		# pg_ctl could not stop it: kill the postmaster (its children follow).
		pid=$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null)
		[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	fi
	pid=$(cat "$dir/watchdog.pid" 2>/dev/null)
	# The watchdog ignores TERM (a Ctrl-C must not stop it early).
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	rm -rf "$dir"
	return 0
}

# pg_trap_exit: puts pg_stop in front of the script's current EXIT trap (for
# instance tests/cli/lib.sh's, which ends with its own exit status).
pg_trap_exit() {
	local cur
	eval "cur=($(trap -p EXIT))"
	# shellcheck disable=SC2064 # the current trap's text, taken now
	trap "pg_stop; ${cur[2]:-}" EXIT
}

# _pg_watchdog: if the script dies without its EXIT trap (kill -9), a
# process outside it stops the cluster and removes the files within a
# second or two. Detached (setsid, not a child), so "wait" never waits for it.
_pg_watchdog() {
	local script=$$
	# shellcheck disable=SC2016 # expanded by the watchdog's shell
	(setsid bash -c '
		trap "" INT TERM HUP
		while kill -0 "$1" 2>/dev/null && [ -d "$2/data" ]; do sleep 1; done
		[ -d "$2/data" ] || exit 0
		cd / && setpriv --reuid=postgres --regid=postgres --init-groups env -i PATH="$3:/usr/bin:/bin" \
			pg_ctl stop -m immediate -w -t 10 -D "$2/data"
		rm -rf "$2"' pg-watchdog "$script" "$MFA_PG_DIR" "$MFA_PG_BIN" \
		< /dev/null > /dev/null 2>&1 &
	echo $! > "$MFA_PG_DIR/watchdog.pid")
}

# pg_start: a new cluster in a new temp dir, on a free port, with TLS, the
# roles, database mfa and the passfile; exports the MFA_PG_* variables.
pg_start() {
	local owner_pw app_pw tries port started=0
	[ "$(id -u)" -eq 0 ] || { echo "pg: pg_start needs root (it runs the server as postgres)" >&2; return 1; }
	[ -x "$MFA_PG_BIN/initdb" ] || { echo "pg: $MFA_PG_BIN/initdb is missing: install the postgresql package (scripts/install-deps.sh)" >&2; return 1; }
	id postgres > /dev/null 2>&1 || { echo "pg: no postgres user: install the postgresql package" >&2; return 1; }

	MFA_PG_DIR=$(mktemp -d /tmp/mfa-pg-XXXXXX) || return 1
	export MFA_PG_DIR
	# The postgres user must traverse the dir; other users may reach the
	# socket and the CA certificate; the passfile stays root's (0600).
	chmod 0755 "$MFA_PG_DIR"
	mkdir -m 0700 "$MFA_PG_DIR/data" && mkdir -m 0755 "$MFA_PG_DIR/sock" "$MFA_PG_DIR/tls" || return 1
	export MFA_PG_SOCKDIR=$MFA_PG_DIR/sock MFA_PG_LOG=$MFA_PG_DIR/postgres.log
	export MFA_PG_PASSFILE=$MFA_PG_DIR/passfile MFA_PG_BIN
	export MFA_PG_CA=$MFA_PG_DIR/tls/ca.crt MFA_PG_OTHER_CA=$MFA_PG_DIR/tls/other-ca.crt
	: > "$MFA_PG_LOG"
	chown postgres: "$MFA_PG_DIR/data" "$MFA_PG_DIR/sock" "$MFA_PG_LOG"
	_pg_watchdog

	if ! _pg_tls "$MFA_PG_DIR/tls" > "$MFA_PG_DIR/tls/openssl.log" 2>&1; then
		echo "pg: making the test certificates failed:" >&2
		tail -n 20 "$MFA_PG_DIR/tls/openssl.log" >&2
		return 1
	fi
	chmod 0600 "$MFA_PG_DIR/tls/"*.key
	chown postgres: "$MFA_PG_DIR/tls/server.key"
	chmod 0644 "$MFA_PG_DIR/tls/"*.crt

	if ! _pg_as_postgres initdb -D "$MFA_PG_DIR/data" -U postgres -A peer -E UTF8 \
		--locale=C --no-sync --no-instructions > "$MFA_PG_DIR/initdb.log" 2>&1; then
		echo "pg: initdb failed:" >&2
		tail -n 20 "$MFA_PG_DIR/initdb.log" >&2
		return 1
	fi
	cat > "$MFA_PG_DIR/data/pg_hba.conf" <<-EOF
	local   all  postgres                    peer
	local   all  all                         scram-sha-256
	hostssl all  all       127.0.0.1/32      scram-sha-256
	host    all  all       127.0.0.1/32      scram-sha-256
	EOF
	# Test settings: no fsync (speed), room for several radiusd pools.
	cat >> "$MFA_PG_DIR/data/postgresql.conf" <<-EOF
	listen_addresses = '127.0.0.1'
	unix_socket_directories = '$MFA_PG_SOCKDIR'
	max_connections = 300
	shared_buffers = 32MB
	fsync = off
	full_page_writes = off
	password_encryption = 'scram-sha-256'
	ssl = on
	ssl_cert_file = '$MFA_PG_DIR/tls/server.crt'
	ssl_key_file = '$MFA_PG_DIR/tls/server.key'
	log_lock_waits = on
	include 'port.conf'
	EOF

	# A random free port; another process may take it before the server
	# binds it, so a failed start tries another (bounded).
	for ((tries = 0; tries < 10; tries++)); do
		port=$((20000 + (RANDOM * 32768 + RANDOM) % 40001))
		_pg_port_free "$port" || continue
		echo "port = $port" > "$MFA_PG_DIR/data/port.conf"
		chown postgres: "$MFA_PG_DIR/data/port.conf"
		export MFA_PG_PORT=$port
		: > "$MFA_PG_LOG"
		if _pg_as_postgres pg_ctl start -w -t 30 -D "$MFA_PG_DIR/data" \
			-l "$MFA_PG_LOG" > /dev/null 2>&1; then
			started=1
			break
		fi
		grep -q 'could not bind\|could not create any TCP/IP sockets' "$MFA_PG_LOG" || break
	done
	if [ "$started" -ne 1 ]; then
		echo "pg: the server did not start" >&2
		_pg_log_tail
		return 1
	fi
	_pg_ready || { _pg_log_tail; return 1; }

	# Passwords only in the passfile (and as SCRAM verifiers in the
	# cluster); sent over stdin, never on a command line.
	owner_pw=$(openssl rand -hex 16) && app_pw=$(openssl rand -hex 16) || return 1
	(
		umask 077
		for h in 127.0.0.1 localhost "$MFA_PG_SOCKDIR"; do
			echo "$h:$MFA_PG_PORT:*:mfa_owner:$owner_pw"
			echo "$h:$MFA_PG_PORT:*:mfa_app:$app_pw"
		done > "$MFA_PG_PASSFILE"
	)
	_pg_as_postgres psql -X -q -v ON_ERROR_STOP=1 -h "$MFA_PG_SOCKDIR" -p "$MFA_PG_PORT" \
		-d postgres > /dev/null <<-EOF || { echo "pg: creating the roles and database mfa failed" >&2; return 1; }
	CREATE ROLE mfa_owner LOGIN PASSWORD '$owner_pw';
	CREATE ROLE mfa_app LOGIN PASSWORD '$app_pw';
	CREATE DATABASE mfa OWNER mfa_owner;
	EOF
	owner_pw="" app_pw=""
	pg_reset || return 1

	local q="passfile=$MFA_PG_PASSFILE" r
	for r in owner app; do
		local u=mfa_$r v=MFA_PG_URI
		[ "$r" = app ] && v=MFA_PG_APP_URI
		export "${v}_TCP=postgresql://$u@127.0.0.1:$MFA_PG_PORT/mfa?$q&sslmode=disable"
		export "${v}_TLS=postgresql://$u@localhost:$MFA_PG_PORT/mfa?$q&sslmode=verify-full&sslrootcert=$MFA_PG_CA"
		export "${v}_SOCK=postgresql:///mfa?host=$MFA_PG_SOCKDIR&port=$MFA_PG_PORT&user=$u&$q"
	done
}

# pg_psql ARGS...: psql as the superuser over the socket, on database mfa
# (psqlrc ignored, stops at the first error), e.g. pg_psql -tAc 'SELECT 1'.
pg_psql() {
	_pg_as_postgres psql -X -v ON_ERROR_STOP=1 -h "$MFA_PG_SOCKDIR" -p "$MFA_PG_PORT" \
		-d mfa "$@"
}

# pg_reset: an empty schema public in database mfa, owned by mfa_owner, as
# after pg_start: mfa_app may use it but has no table right (pg_grant_app).
pg_reset() {
	pg_psql -q > /dev/null <<-EOF
	SET lock_timeout = '10s';
	SET client_min_messages = warning;
	DROP SCHEMA IF EXISTS public CASCADE;
	CREATE SCHEMA public AUTHORIZATION mfa_owner;
	GRANT USAGE ON SCHEMA public TO mfa_app;
	ALTER DEFAULT PRIVILEGES FOR ROLE mfa_owner REVOKE ALL ON TABLES FROM mfa_app;
	ALTER DEFAULT PRIVILEGES FOR ROLE mfa_owner REVOKE ALL ON SEQUENCES FROM mfa_app;
	EOF
}

# pg_grant_app: mfa_app may read and write the rows of every table in schema
# public of database mfa, now and made later by mfa_owner; no DDL.
pg_grant_app() {
	pg_psql -q > /dev/null <<-EOF
	GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO mfa_app;
	GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO mfa_app;
	ALTER DEFAULT PRIVILEGES FOR ROLE mfa_owner
		GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO mfa_app;
	ALTER DEFAULT PRIVILEGES FOR ROLE mfa_owner
		GRANT USAGE, SELECT ON SEQUENCES TO mfa_app;
	EOF
}
