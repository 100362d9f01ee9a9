# mfa - one Makefile for the core, the front ends, tests and benchmarks.
#   make            build everything; installs nothing (a missing build
#                   dependency stops it with the command that installs it)
#   make deps       install the build and test packages, fetch the FreeRADIUS headers
#   make check      deps, build everything, run every test
#   make demo       deps, build, and run the demo
#   make install    PREFIX=/usr/local DESTDIR= (install-pam, install-radius: one side;
#                   make uninstall removes what the manifest lists; docs/install.md)

# 'make' alone is 'make all', whatever target comes first below.
.DEFAULT_GOAL := all

PREFIX ?= /usr/local
DESTDIR ?=
RADIUSLIBDIR ?= /usr/lib/freeradius
RADDB ?= /etc/freeradius/3.0
SYSTEMDDIR ?= /lib/systemd/system
PAMDIR ?= /lib/$(shell gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)/security
CC ?= cc
CLANG ?= clang

PKGS := liboath libpskc libxml-2.0 jansson sqlite3 libpq libqrencode libcrypto libfido2 libcbor
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
	-Wformat=2 -Wno-format-nonliteral -Wno-format-truncation
HARDEN := -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIC
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -Icommon $(PKG_CFLAGS)
CFLAGS ?= -O2 -g
ALL_CFLAGS := $(BASE_CFLAGS) $(HARDEN) -fvisibility=hidden $(CFLAGS)
LDFLAGS_HARD := -Wl,-z,relro,-z,now -pie

SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
ASAN_CFLAGS := $(BASE_CFLAGS) -O1 -g $(SAN) -Itests/unit -Itests/softauthn -Iweb

CORE_SRC := $(wildcard common/*.c)
CLI_SRC := $(wildcard cli/*.c)
UNIT_SRC := $(wildcard tests/unit/*.c) tests/softauthn/softauthn.c web/session.c
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))

CORE_OBJ := $(patsubst %.c,build/obj/%.o,$(CORE_SRC))
CLI_OBJ := $(patsubst %.c,build/obj/%.o,$(CLI_SRC))
ASAN_CORE_OBJ := $(patsubst %.c,build/asan/%.o,$(CORE_SRC))
ASAN_CLI_OBJ := $(patsubst %.c,build/asan/%.o,$(CLI_SRC))
ASAN_UNIT_OBJ := $(patsubst %.c,build/asan/%.o,$(UNIT_SRC))

.PHONY: all check test demo deps depcheck depcheck-radius install clean fuzz bench bench-pam bench-radius \
	bench-webauthn bench-web asan

# What the build needs is checked before anything compiles (every object
# waits for depcheck); the FreeRADIUS headers only when rlm_mfa.so is wanted.
FR_GOALS := all install install-radius build/rlm_mfa.so build/obj/radius_module/rlm_mfa.o bench-pam \
	bench-radius bench-web
NEED_FR := $(filter $(FR_GOALS),$(or $(MAKECMDGOALS),all))
depcheck:
	@CC="$(CC)" scripts/check-deps.sh $(if $(NEED_FR),--freeradius $(FR_DIR))
depcheck-radius:
	@CC="$(CC)" scripts/check-deps.sh --freeradius $(FR_DIR)
all: build/libmfa.a build/mfactl build/mfad build/wire_client build/pam_mfa.so build/pam_mfa_local.so \
	build/rlm_mfa.so build/mfa-web

build/obj/%.o: %.c $(wildcard common/*.h service/*.h) | depcheck
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -c $< -o $@

build/libmfa.a: $(CORE_OBJ)
	rm -f $@
	ar rcs $@ $^

build/mfactl: $(CLI_OBJ) build/libmfa.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS_HARD) -o $@ $(CLI_OBJ) build/libmfa.a $(PKG_LIBS)

# The resident login service: pam_mfa.so asks it; it checks mfa-web's
# passwords through PAM (libpam).
MFAD_SRC := $(wildcard service/*.c)
build/mfad: $(patsubst %.c,build/obj/%.o,$(MFAD_SRC)) build/libmfa.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS_HARD) -o $@ $(filter %.o,$^) build/libmfa.a $(PKG_LIBS) -lpam -lpthread

# The portal: its page (web/static) is built into the binary.
WEB_SRC := $(wildcard web/*.c)
WEB_STATIC := $(sort $(wildcard web/static/*))
WEB_OBJ := $(patsubst %.c,build/obj/%.o,$(filter-out web/embed.c,$(WEB_SRC))) build/obj/web/static.o
build/embed: web/embed.c | depcheck
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $<
build/web/static.c: build/embed $(WEB_STATIC)
	@mkdir -p $(dir $@)
	build/embed $@ $(WEB_STATIC)
build/obj/web/static.o: build/web/static.c web/web.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Iweb -c $< -o $@
build/obj/web/%.o: web/%.c web/web.h web/api.h $(wildcard common/*.h) | depcheck
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -c $< -o $@
build/mfa-web: $(WEB_OBJ) build/libmfa.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS_HARD) -o $@ $(WEB_OBJ) build/libmfa.a $(PKG_LIBS) -lmicrohttpd -lpthread
# The tests run this one: ASan and UBSan.
ASAN_WEB_OBJ := $(patsubst build/obj/%,build/asan/%,$(WEB_OBJ))
build/asan/web/static.o: build/web/static.c web/web.h
	@mkdir -p $(dir $@)
	$(CC) $(ASAN_CFLAGS) -Iweb -c $< -o $@
build/asan/mfa-web: $(ASAN_WEB_OBJ) build/asan/libmfa.a
	$(CC) $(SAN) -o $@ $(ASAN_WEB_OBJ) build/asan/libmfa.a $(PKG_LIBS) -lmicrohttpd -lpthread

# Its test client: the wire messages only, no core.
build/wire_client: tests/service/wire_client.c common/wire.c common/wire.h | depcheck
	$(CC) $(ALL_CFLAGS) $(LDFLAGS_HARD) -o $@ tests/service/wire_client.c common/wire.c

# PAM modules, only pam_sm_* exported: pam_mfa.so asks mfad and links only
# libpam and libc; pam_mfa_local.so has the core linked in.
PAM_LD := $(CC) $(ALL_CFLAGS) -shared -Wl,-z,relro,-z,now -Wl,--no-undefined -Wl,--as-needed \
	-Wl,--version-script=pam_module/pam_mfa.map
build/obj/pam_module/%.o: pam_module/%.c pam_module/backend.h $(wildcard common/*.h) | depcheck
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -c $< -o $@

build/pam_mfa.so: build/obj/pam_module/pam_mfa.o build/obj/pam_module/backend_service.o \
		build/obj/common/wire.o pam_module/pam_mfa.map
	$(PAM_LD) -o $@ $(filter %.o,$^) -lpam

build/pam_mfa_local.so: build/obj/pam_module/pam_mfa.o build/obj/pam_module/backend_local.o \
		build/libmfa.a pam_module/pam_mfa.map
	$(PAM_LD) -o $@ $(filter %.o,$^) build/libmfa.a $(PKG_LIBS) -lpam

# FreeRADIUS module: Debian's headers plus those only its source has
# (make deps runs scripts/freeradius-headers.sh: they land in build/freeradius).
FR_DIR ?= build/freeradius
FR_CFLAGS := -std=gnu11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wno-missing-field-initializers -fPIC -fvisibility=hidden -fstack-protector-strong \
	-D_FORTIFY_SOURCE=2 -I$(FR_DIR) -include freeradius/build.h -Icommon

build/obj/radius_module/%.o: radius_module/%.c radius_module/hold.h common/mfa.h | depcheck-radius
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(FR_CFLAGS) -c $< -o $@

build/rlm_mfa.so: build/obj/radius_module/rlm_mfa.o build/obj/radius_module/hold.o build/libmfa.a \
		radius_module/rlm_mfa.map
	$(CC) -shared -Wl,-z,relro,-z,now -Wl,--as-needed \
		-Wl,--version-script=radius_module/rlm_mfa.map -o $@ $(filter %.o,$^) \
		build/libmfa.a $(PKG_LIBS) -lpthread

# Sanitizer build: unit tests, and an mfactl the CLI tests run.
build/asan/%.o: %.c $(wildcard common/*.h service/*.h web/*.h tests/unit/*.h tests/softauthn/*.h) | depcheck
	@mkdir -p $(dir $@)
	@echo "  CC-SAN  $<"
	@$(CC) $(ASAN_CFLAGS) -c $< -o $@

build/asan/libmfa.a: $(ASAN_CORE_OBJ)
	rm -f $@
	ar rcs $@ $^

build/asan/unit_tests: $(ASAN_UNIT_OBJ) build/asan/libmfa.a
	$(CC) $(SAN) -o $@ $(ASAN_UNIT_OBJ) build/asan/libmfa.a $(PKG_LIBS) -lpthread

build/asan/mfactl: $(ASAN_CLI_OBJ) build/asan/libmfa.a
	$(CC) $(SAN) -o $@ $(ASAN_CLI_OBJ) build/asan/libmfa.a $(PKG_LIBS)

build/asan/mfad: $(patsubst %.c,build/asan/%.o,$(MFAD_SRC)) build/asan/libmfa.a
	$(CC) $(SAN) -o $@ $(filter %.o,$^) build/asan/libmfa.a $(PKG_LIBS) -lpam -lpthread

# Each fuzz target also builds as a regression test over its seed corpus.
build/asan/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/corpus_main.c build/asan/libmfa.a
	$(CC) $(ASAN_CFLAGS) -o $@ $< tests/fuzz/corpus_main.c build/asan/libmfa.a $(PKG_LIBS)

# The API's request handlers without HTTP (no libmicrohttpd, no main).
FUZZ_WEB_SRC := $(filter-out web/http.c web/mfa-web.c web/embed.c,$(wildcard web/*.c))
build/asan/fuzz_web: tests/fuzz/fuzz_web.c tests/fuzz/corpus_main.c \
		$(patsubst %.c,build/asan/%.o,$(FUZZ_WEB_SRC)) build/asan/libmfa.a
	$(CC) $(ASAN_CFLAGS) -Iweb -o $@ $< tests/fuzz/corpus_main.c \
		$(patsubst %.c,build/asan/%.o,$(FUZZ_WEB_SRC)) build/asan/libmfa.a $(PKG_LIBS) -lpthread

build/pam_client: tests/pam/pam_client.c | depcheck
	$(CC) $(ALL_CFLAGS) -o $@ $< -lpam -loath -lpthread

# Stands in for the portal's approval page in tests/pam.
build/approve_tool: tests/pam/approve_tool.c build/libmfa.a
	$(CC) $(ALL_CFLAGS) -o $@ $< build/libmfa.a $(PKG_LIBS)

# Stands in for the portal's "Get a sign-in code" in tests/pam and tests/radius.
build/signin_tool: tests/pam/signin_tool.c build/libmfa.a
	$(CC) $(ALL_CFLAGS) -o $@ $< build/libmfa.a $(PKG_LIBS)

# The software authenticator, for shell tests and benchmarks.
build/softauthn: tests/softauthn/main.c tests/softauthn/softauthn.c tests/softauthn/softauthn.h | depcheck
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -O1 -g $(SAN) -Itests/softauthn -o $@ tests/softauthn/main.c \
		tests/softauthn/softauthn.c $(PKG_LIBS)

build/asan/softauthn_selfcheck: tests/softauthn/selfcheck.c tests/softauthn/softauthn.c tests/softauthn/softauthn.h
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -O1 -g $(SAN) -Itests/softauthn -o $@ tests/softauthn/selfcheck.c \
		tests/softauthn/softauthn.c $(PKG_LIBS)

# The login's side of an approval for the portal's tests (tests/web).
build/asan/approval_tool: tests/web/approval_tool.c build/asan/libmfa.a
	$(CC) $(ASAN_CFLAGS) -o $@ $< build/asan/libmfa.a $(PKG_LIBS)

asan: build/asan/approval_tool build/approve_tool build/signin_tool build/softauthn build/asan/softauthn_selfcheck build/pam_client build/asan/unit_tests build/asan/mfactl build/asan/mfad build/asan/mfa-web build/wire_client $(patsubst %,build/asan/fuzz_%,$(FUZZ_TARGETS))

# libFuzzer builds (clang): make fuzz, then build/fuzz/fuzz_NAME tests/fuzz/corpus/NAME
FUZZ_CFLAGS := $(BASE_CFLAGS) -Wno-unknown-warning-option -O1 -g -fsanitize=fuzzer,address,undefined
fuzz: $(patsubst %,build/fuzz/fuzz_%,$(FUZZ_TARGETS))
build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(CORE_SRC)
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) -o $@ $< $(CORE_SRC) $(PKG_LIBS)
build/fuzz/fuzz_web: tests/fuzz/fuzz_web.c $(FUZZ_WEB_SRC) web/web.h web/api.h $(CORE_SRC)
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) -Iweb -o $@ $< $(FUZZ_WEB_SRC) $(CORE_SRC) $(PKG_LIBS) -lpthread

bench: build/bench_verify build/bench_pam build/bench_webauthn
build/bench_verify: bench/bench_verify.c bench/bench.h build/libmfa.a
	$(CC) $(ALL_CFLAGS) -Icommon -o $@ $< build/libmfa.a $(PKG_LIBS)

build/bench_webauthn: bench/bench_webauthn.c bench/bench.h tests/softauthn/softauthn.c build/libmfa.a
	$(CC) $(ALL_CFLAGS) -Icommon -Itests/softauthn -o $@ $< tests/softauthn/softauthn.c \
		build/libmfa.a $(PKG_LIBS)

# Assertions per second beside `openssl speed` for the same algorithms.
bench-webauthn: build/bench_webauthn
	bench/bench_webauthn.sh

build/bench_pam: bench/bench_pam.c
	$(CC) $(ALL_CFLAGS) -o $@ $< -lpam -loath

# PAM logins per second beside pam_google_authenticator and pam_oath.
bench-pam: all build/bench_pam
	bench/bench_pam.sh

# Access-Requests per second beside PAP only and rlm_totp.
bench-radius: all
	bench/bench_radius.sh

# mfa-web sign-ins/s (password by PAM through mfad, then a code) and GET /api/me/s.
bench-web: all
	bench/bench_web.sh

# The only target that changes the system: Debian packages, and the
# FreeRADIUS source package's headers (apt-get source; as root it adds a
# deb-src entry when apt has none).
deps:
	scripts/install-deps.sh
	scripts/freeradius-headers.sh $(FR_DIR)

check: deps
	$(MAKE) all asan bench
	tests/run

test: check

demo: deps
	$(MAKE) all
	scripts/demo.sh

# Installs record every file in MANIFEST (scripts/install-files.sh);
# make uninstall removes exactly those (scripts/uninstall-files.sh), never
# mfa.conf, the key, the store or the audit file. install-pam needs no
# FreeRADIUS headers; install is both.
MANIFEST ?= $(PREFIX)/share/mfa/install-manifest
CLI_FILES = 0755 build/mfactl $(PREFIX)/bin/mfactl \
	0644 build/mfa.conf.example $(PREFIX)/share/doc/mfa/mfa.conf.example \
	0644 service/mfa.logrotate $(PREFIX)/share/doc/mfa/mfa.logrotate \
	0644 docs/mfactl.1 $(PREFIX)/share/man/man1/mfactl.1 \
	0644 docs/mfa.conf.5 $(PREFIX)/share/man/man5/mfa.conf.5
PAM_FILES = 0644 build/pam_mfa.so $(PAMDIR)/pam_mfa.so \
	0644 build/pam_mfa_local.so $(PAMDIR)/pam_mfa_local.so \
	0755 build/mfad $(PREFIX)/sbin/mfad \
	0644 service/mfad.socket $(SYSTEMDDIR)/mfad.socket \
	0644 build/units/mfad.service $(SYSTEMDDIR)/mfad.service \
	0755 build/mfa-web $(PREFIX)/sbin/mfa-web \
	0644 build/units/mfa-web.service $(SYSTEMDDIR)/mfa-web.service \
	$(foreach m,pam_mfa.8 mfad.8 mfa-web.8,0644 docs/$(m) $(PREFIX)/share/man/man8/$(m))
RADIUS_FILES = 0644 build/rlm_mfa.so $(RADIUSLIBDIR)/rlm_mfa.so \
	c0644 radius_module/mods-available/mfa $(RADDB)/mods-available/mfa \
	$(foreach f,$(notdir $(wildcard radius_module/sites-available/*)),0644 radius_module/sites-available/$(f) \
		$(PREFIX)/share/doc/mfa/sites-available/$(f)) \
	0644 docs/rlm_mfa.5 $(PREFIX)/share/man/man5/rlm_mfa.5
PAM_BUILT := build/mfactl build/mfa.conf.example build/mfad build/pam_mfa.so build/pam_mfa_local.so build/mfa-web
RADIUS_BUILT := build/mfactl build/mfa.conf.example build/rlm_mfa.so
INSTALL_FILES = scripts/install-files.sh "$(DESTDIR)" "$(MANIFEST)"
# The units name the binaries' directory: made for this PREFIX each time.
UNITS = mkdir -p build/units && \
	sed 's|@SBINDIR@|$(PREFIX)/sbin|' service/mfad.service > build/units/mfad.service && \
	sed 's|@SBINDIR@|$(PREFIX)/sbin|' web/mfa-web.service > build/units/mfa-web.service

# The text mfactl init writes, from the core itself.
build/config_example: scripts/config_example.c build/libmfa.a
	$(CC) $(ALL_CFLAGS) -o $@ $< build/libmfa.a $(PKG_LIBS)
build/mfa.conf.example: build/config_example
	build/config_example > $@

.PHONY: install-pam install-radius uninstall
install-pam: $(PAM_BUILT)
	@$(UNITS)
	@$(INSTALL_FILES) $(CLI_FILES) $(PAM_FILES)

install-radius: $(RADIUS_BUILT)
	@$(INSTALL_FILES) $(CLI_FILES) $(RADIUS_FILES)

install: $(PAM_BUILT) $(RADIUS_BUILT)
	@$(UNITS)
	@$(INSTALL_FILES) $(CLI_FILES) $(PAM_FILES) $(RADIUS_FILES)

uninstall:
	@scripts/uninstall-files.sh "$(DESTDIR)" "$(MANIFEST)"

# Keeps the FreeRADIUS headers fetched under build/freeradius.
clean:
	rm -rf build/obj build/asan build/fuzz build/*.so build/mfactl build/mfad build/mfa-web build/embed build/web build/wire_client build/libmfa.a build/demo \
		build/units build/config_example build/mfa.conf.example
