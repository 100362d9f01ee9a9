#!/bin/bash
# test_runner.sh - tests/run itself, in a tree of stand-in programs: it
# passes only when every case ran and passed; a skipped case, a suite that
# prints no case, a fuzz target, self-check or benchmark that was not
# built, and a benchmark that measured nothing each fail the run.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
R=$T/repo

# stub FILE LINE...: an executable shell script printing the lines.
stub() {
	local f=$R/$1
	shift
	mkdir -p "$(dirname "$f")"
	{ echo '#!/bin/sh'; printf 'echo "%s"\n' "$@"; } > "$f"
	chmod +x "$f"
}
# tree: a fresh tree in which every case passes.
tree() {
	rm -rf "$R"
	mkdir -p "$R/tests/fuzz/corpus/x"
	cp "$ROOT/tests/run" "$R/tests/run"
	stub build/asan/unit_tests "ok unit/a"
	stub build/asan/mfactl
	stub build/asan/softauthn_selfcheck
	for s in cli pam radius webauthn pg service web; do stub "tests/$s/test_a.sh" "ok $s/a"; done
	# The PostgreSQL pass of the unit tests needs no server here.
	printf 'pg_start() { MFA_PG_URI_SOCK=stub; }\npg_stop() { :; }\n' > "$R/tests/pg/lib.sh"
	: > "$R/tests/fuzz/fuzz_x.c"
	stub build/asan/fuzz_x "1 inputs ran"
	stub build/bench_verify "a 10 verifications/s" "b 10 verifications/s" "c 10 verifications/s" \
		"d 10 verifications/s" "e 10 verifications/s" "f 10 verifications/s" \
		"g 10 verifications/s" "h 10 verifications/s" "i 10 verifications/s" \
		"goal: full path >= 10000 verifications/s: NOT met"
	stub build/bench_webauthn "ES256 full path 10 assertions/s" "EdDSA full path 10 assertions/s"
}
# runner: runs the tree's tests/run; OUT, RC and LAST (its final line).
runner() {
	run bash "$R/tests/run"
	LAST=$(tail -n 1 <<< "$OUT")
}

case_begin runner_passes_when_every_case_passes
tree
runner
expect_rc 0
[ "$LAST" = "13 passed, 0 failed, 0 skipped" ] || fail "final line: $LAST"

case_begin runner_fails_on_a_skipped_case
tree
stub tests/radius/test_a.sh "ok radius/a" "skip radius/b: freeradius is not installed"
runner
expect_rc 1
expect_out "skip radius/b: freeradius is not installed"
[ "$LAST" = "13 passed, 0 failed, 1 skipped" ] || fail "final line: $LAST"

case_begin runner_fails_on_a_suite_with_no_case
tree
stub tests/pam/test_a.sh
runner
expect_rc 1
expect_out "not ok test_a (no case ran)"
[ "$LAST" = "12 passed, 1 failed, 0 skipped" ] || fail "final line: $LAST"

case_begin runner_fails_on_a_fuzz_target_not_built
tree
rm "$R/build/asan/fuzz_x"
runner
expect_rc 1
expect_out "not ok fuzz_corpus/x (build/asan/fuzz_x was not built"
[ "$LAST" = "12 passed, 1 failed, 0 skipped" ] || fail "final line: $LAST"

case_begin runner_fails_on_programs_not_built
tree
rm "$R/build/asan/softauthn_selfcheck" "$R/build/bench_verify" "$R/build/bench_webauthn"
runner
expect_rc 1
expect_out "not ok softauthn_selfcheck (build/asan/softauthn_selfcheck was not built"
expect_out "not ok bench_verify_smoke_run (build/bench_verify was not built"
expect_out "not ok bench_webauthn_smoke_run (build/bench_webauthn was not built"
[ "$LAST" = "10 passed, 3 failed, 0 skipped" ] || fail "final line: $LAST"

case_begin runner_fails_on_a_benchmark_that_measured_nothing
tree
stub build/bench_verify "a 10 verifications/s" "b 0 verifications/s" "c 10 verifications/s" \
	"d 10 verifications/s" "e 10 verifications/s" "f 10 verifications/s" "g 10 verifications/s" \
	"h 10 verifications/s" "i 10 verifications/s"
stub build/bench_webauthn "ES256 full path 10 assertions/s"
runner
expect_rc 1
expect_out "not ok bench_verify_smoke_run"
expect_out "not ok bench_webauthn_smoke_run"
[ "$LAST" = "11 passed, 2 failed, 0 skipped" ] || fail "final line: $LAST"

# stand_in_both [EXIT_ON_PG]: tests/cli/test_b.sh, marked to run on both
# stores, names its case for the store it is given; exits EXIT_ON_PG there.
stand_in_both() {
	cat > "$R/tests/cli/test_b.sh" <<-EOF
	#!/bin/sh
	# backends: sqlite pg
	[ "\${MFA_TEST_BACKEND:-sqlite}" = pg ] || { echo "ok cli/b"; exit 0; }
	[ "${1:-0}" -eq 0 ] && echo "ok cli-pg/b" || echo "not ok cli-pg/b"
	exit ${1:-0}
	EOF
}

case_begin runner_runs_marked_suites_again_on_postgresql
tree
stand_in_both
runner
expect_rc 0
expect_out "ok cli/b"
expect_out "ok cli-pg/b"
[ "$LAST" = "15 passed, 0 failed, 0 skipped" ] || fail "final line: $LAST"

case_begin runner_counts_the_postgresql_pass_apart
tree
stand_in_both 1
runner
expect_rc 1
expect_out "not ok cli-pg/b"
expect_out "---- test_b-pg output (failures) ----"
[ "$LAST" = "14 passed, 1 failed, 0 skipped" ] || fail "final line: $LAST"
