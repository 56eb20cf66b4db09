#!/bin/sh
# Installs what the tests need and runs every test: `sh scripts/test.sh` on a fresh clone (Debian, root or sudo).
# Steps: missing Debian packages (apt-get) → npm ci → npm run lint → vitest (JSON report) → tally.
# The last line of output is the tally alone: "N passed, N failed" (", N skipped" when some were skipped).
# Exits nonzero when a test failed, lint failed, or vitest crashed.
set -u

cd "$(dirname "$0")/.." || exit 1

# Debian packages the tests need, as package:binary, or package alone when it has no program of its own;
# a package is installed only when dpkg does not have it and its binary (if any) is not found either.
# sip-tester provides sipp, baresip/linphonec/twinkle-console are indoor phones, Kamailio is the PBX of the
# tests that run the door station against a real registrar (kamailio-tls-modules adds its TLS listener),
# chromium is the browser the configuration page is tested in (driven by playwright-core);
# systemd gives systemd-analyze and systemd-notify (the unit's checks, sd_notify), python3 the test's NOTIFY_SOCKET
# receiver; qemu-user-static, mmdebstrap and binfmt-support build the emulated arm64 roots of the package test.
DEB_PACKAGES="sip-tester:sipp baresip:baresip kamailio:kamailio kamailio-tls-modules linphone-cli:linphonec twinkle-console:twinkle-console ffmpeg:ffmpeg chromium:chromium qemu-user-static:qemu-aarch64-static mmdebstrap:mmdebstrap binfmt-support:update-binfmts systemd:systemd-notify python3:python3"

RESULTS=.vitest-results.json

say() {
  printf 'test.sh: %s\n' "$*"
}

# Prints the tally for a run that could not get as far as the tests, and exits.
give_up() {
  say "$1"
  echo "0 passed, 1 failed"
  exit 1
}

# Whether dpkg has the package installed (false where there is no dpkg).
dpkg_has() {
  command -v dpkg-query >/dev/null 2>&1 &&
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# Whether a program is on PATH or in an sbin directory (kamailio lives in /usr/sbin, often not on a user's PATH).
have_binary() {
  command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/sbin/$1" ]
}

install_debian_packages() {
  missing=""
  for entry in $DEB_PACKAGES; do
    package=${entry%%:*}
    case $entry in
      *:*) binary=${entry#*:} ;;
      *) binary="" ;;
    esac
    dpkg_has "$package" && continue
    [ -n "$binary" ] && have_binary "$binary" && continue
    missing="$missing $package"
  done
  [ -z "$missing" ] && return 0

  if ! command -v apt-get >/dev/null 2>&1; then
    say "no apt-get here; install these yourself:$missing"
    return 1
  fi
  if [ "$(id -u)" -eq 0 ]; then
    as_root=""
  elif command -v sudo >/dev/null 2>&1; then
    # Without a terminal nobody can type a password: fail fast instead of hanging.
    if [ -t 0 ]; then as_root="sudo"; else as_root="sudo -n"; fi
  else
    say "not root and no sudo; install these yourself:$missing"
    return 1
  fi

  say "installing Debian packages:$missing"
  # $as_root and $missing are split into words on purpose.
  # shellcheck disable=SC2086
  $as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q &&
    $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
}

if ! install_debian_packages; then
  say "WARNING: could not install Debian packages; tests that need them will fail"
fi

command -v node >/dev/null 2>&1 || give_up "node is not installed (Node.js >= 20.19 is needed)"
command -v npm >/dev/null 2>&1 || give_up "npm is not installed"

say "npm ci"
npm ci --no-audit --no-fund || give_up "npm ci failed"

say "npm run lint"
npm run lint
lint_exit=$?

say "vitest"
rm -f "$RESULTS"
VITEST_JSON=1 ./node_modules/.bin/vitest run
vitest_exit=$?

node scripts/tally.mjs "$RESULTS" --vitest-exit "$vitest_exit" --lint-exit "$lint_exit"
