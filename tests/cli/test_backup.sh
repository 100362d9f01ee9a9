#!/bin/bash
# test_backup.sh - mfactl backup: a consistent copy of a live SQLite store
# (writers going on meanwhile), 0600, never over a file, audited; restored
# (docs/backup.md) it takes logins with their replay state. On PostgreSQL
# it is refused with the pg_dump pointer, nothing made.
# backends: sqlite pg
. "$(dirname "$0")/lib.sh"
SECRET=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
"$MFACTL" init > /dev/null || fail "init"

if on_pg; then
	case_begin postgresql_is_refused_with_pg_dump
	run "$MFACTL" backup "$T/b.db"
	expect_rc 2
	expect_err "pg_dump"
	[ -e "$T/b.db" ] && fail "a file was made"
	case_end
	exit 0
fi
STORE=$(sed -n 's/^store = sqlite://p' "$MFA_CONFIG")

case_begin backup_while_enrollments_go_on_is_consistent
"$MFACTL" enroll alice --secret "$SECRET" --no-confirm --no-qr > /dev/null || fail "enroll alice"
# A writer enrolling users one transaction each while the copy is taken.
(for i in $(seq 1 60); do
	"$MFACTL" enroll "u$i" --secret "$SECRET" --no-confirm --no-qr > /dev/null || exit 1
done) &
writer=$!
sleep 0.3
run "$MFACTL" backup "$T/live.db"
wait "$writer" || fail "the writer failed beside the backup"
expect_rc 0
expect_out "backup: $T/live.db (mode 0600)"
[ "$(stat -c %a "$T/live.db")" = 600 ] || fail "mode $(stat -c %a "$T/live.db")"
[ "$(sqlite3 "$T/live.db" 'PRAGMA integrity_check')" = ok ] || fail "integrity_check"
# Every user copied has its factor: no enrollment half in the copy.
users=$(sqlite3 "$T/live.db" "SELECT count(DISTINCT user) FROM factors")
rows=$(sqlite3 "$T/live.db" "SELECT count(*) FROM factors")
[ "$users" = "$rows" ] && [ "$users" -ge 1 ] || fail "users $users, factor rows $rows"
[ "$(sqlite3 "$T/live.db" 'PRAGMA journal_mode')" = delete ] || fail "not one self-contained file"
[ -e "$T/live.db-wal" ] && fail "a -wal file beside the backup"
grep -q "\"event\":\"backup\",\"user\":\"\",\"source\":\"cli\",\"outcome\":\"ok\",\"detail\":\"$T/live.db\"" \
	"$T/audit.json" || fail "not audited: $(tail -n 1 "$T/audit.json")"

case_begin restored_backup_keeps_replay_state
code=$(oathtool --totp -b "$SECRET")
run "$MFACTL" verify alice "$code"
expect_rc 0
run "$MFACTL" backup "$T/restore.db"
expect_rc 0
# Restore as docs/backup.md says: the services stopped, the file copied
# over the store, its -wal/-shm removed, mfactl init for modes and owners.
mkdir -p "$T/restored"
cp "$T/restore.db" "$T/restored/mfa.db"
sed "s|^store = .*|store = sqlite:$T/restored/mfa.db|" "$MFA_CONFIG" > "$T/restored.conf"
run "$MFACTL" --config "$T/restored.conf" init
expect_rc 0
expect_out "store:    kept"
run "$MFACTL" --config "$T/restored.conf" verify alice "$code"
expect_rc 1
expect_out "already used"
run "$MFACTL" --config "$T/restored.conf" list alice
expect_rc 0
expect_out "totp"

case_begin an_existing_file_is_never_replaced
echo "keep me" > "$T/taken"
run "$MFACTL" backup "$T/taken"
expect_rc 2
expect_err "a backup never replaces a file"
[ "$(cat "$T/taken")" = "keep me" ] || fail "the file changed"
ln -s "$T/elsewhere" "$T/link"
run "$MFACTL" backup "$T/link"
expect_rc 2
[ -e "$T/elsewhere" ] && fail "followed a symbolic link"

case_begin a_failed_backup_leaves_nothing
run "$MFACTL" backup "$T/no/such/dir/b.db"
expect_rc 2
expect_err "No such file or directory"
run "$MFACTL" backup
expect_rc 2
expect_err "usage: mfactl backup FILE"
[ -n "$STORE" ] || fail "no store path in the config"
case_end
