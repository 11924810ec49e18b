#!/usr/bin/env bash
# Installs the Debian package into a clean Debian 12 root and runs it there
# (what `make deb-test` and a stage of scripts/test.sh run).
# usage: scripts/deb-test.sh [numberd_<version>_<arch>.deb]
#   without an argument, builds the package first (scripts/deb.sh).
#
#  1. a clean root: `debootstrap --variant=minbase bookworm` (Essential and
#     apt only: no systemd, no adduser, none of numberd's libraries), made
#     once and kept in $NUMBERD_TEST_CACHE (/var/cache/numberd-test) under a
#     key of the suite, the variant, the mirror and the ISO week, so that CI
#     runs on one machine download it once a week; each run works on a copy;
#  2. `apt-get install ./numberd_….deb` in it (chroot): the package's Depends
#     must bring every library the binary needs (the .debs apt downloads are
#     kept in the cache too); the maintainer scripts must make the user, the
#     state directory and /etc/numberd without systemd;
#  3. `numberd --version`, then `numberd serve` run as the unit runs it (the
#     numberd user, the unit's environment, /etc/default/numberd, the state
#     directory) on a free loopback port: /healthz and /readyz must answer,
#     the database and its key must land in /var/lib/numberd, SIGTERM must
#     stop it with status 0; then the README's steps (an admin token file,
#     the settings, `numberd account create` as the numberd user) and the
#     admin and Plivo APIs must answer; the installed unit must pass
#     `systemd-analyze verify`;
#  4. `apt-get purge`: the package and its conffile go; the database, its
#     key and the operator's secret files stay.
# Mounts (proc, dev, the apt cache) and the copy are removed on every exit.
# Needs root, debootstrap, and deb.debian.org.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${NUMBERD_TEST_CACHE:-/var/cache/numberd-test}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
suite=bookworm
variant=minbase

t0=$SECONDS
tstep=$SECONDS
step() {
  echo "deb-test: $1 ($((SECONDS - tstep)) s; $((SECONDS - t0)) s in all)"
  tstep=$SECONDS
}
fail() { echo "deb-test: FAIL: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "needs root (debootstrap, chroot, mount)"
command -v debootstrap >/dev/null || fail "debootstrap is missing: run scripts/deps.sh --test"

# ---- 1. the package ---------------------------------------------------------
if [ $# -ge 1 ]; then
  deb="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
else
  bash "$here/scripts/deb.sh"
  version=$(dpkg-parsechangelog -l "$here/debian/changelog" -S Version)
  deb="$here/build-deb/numberd_${version}_$(dpkg-architecture -qDEB_HOST_ARCH).deb"
  step "package built"
fi
[ -f "$deb" ] || fail "no package at $deb"
version=$(dpkg-deb --field "$deb" Version)

# ---- 2. the clean root, from the cache --------------------------------------
key=$(printf '%s\n' "$suite" "$variant" "$mirror" "$(date -u +%G-W%V)" | sha256sum | cut -c1-12)
base="$cache/$suite-$variant-$key"
mkdir -p "$cache/apt-archives/partial"
exec 9>"$cache/lock"
flock -w 1800 9 || fail "another run holds $cache/lock"
if [ ! -d "$base" ]; then
  echo "deb-test: no cached $suite root for this week: debootstrap from $mirror"
  tmp=$(mktemp -d "$cache/new.XXXXXX")
  if ! debootstrap --variant="$variant" "$suite" "$tmp" "$mirror" >"$cache/debootstrap.log" 2>&1; then
    tail -n 20 "$cache/debootstrap.log" >&2
    rm -rf --one-file-system "$tmp"
    fail "debootstrap failed ($cache/debootstrap.log)"
  fi
  # what a Debian 12 machine has: the point release, its updates and the
  # security archive (all on deb.debian.org); the lists are cached with it
  cat >"$tmp/etc/apt/sources.list" <<EOF
deb $mirror $suite main
deb $mirror $suite-updates main
deb ${mirror%/debian}/debian-security $suite-security main
EOF
  cp /etc/resolv.conf "$tmp/etc/resolv.conf"
  chroot "$tmp" apt-get update -qq >>"$cache/debootstrap.log" 2>&1 || fail "apt-get update in the new root"
  chroot "$tmp" apt-get clean
  # older weeks' roots go; this one takes their place whole (mv), never half made
  for old in "$cache/$suite-$variant-"*; do
    if [ -d "$old" ]; then rm -rf --one-file-system "$old"; fi
  done
  mv "$tmp" "$base"
  step "debootstrap $suite ($variant) into the cache $base"
else
  step "cached $suite ($variant) root: $base"
fi

root=$(mktemp -d /var/tmp/numberd-deb-root.XXXXXX)
mounts=()
pid=""
cleanup() {
  local rc=$?
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  local i
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
    umount "${mounts[i]}" 2>/dev/null || umount -l "${mounts[i]}" || true
  done
  # never delete through a mount that is still there (it would be the host's)
  if grep -q " $root/" /proc/mounts; then
    echo "deb-test: mounts left under $root, not removing it" >&2
  else
    rm -rf --one-file-system "$root"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mnt() { # mnt TARGET MOUNT-ARGS...
  local target="$root$1"
  shift
  mount "$@" "$target"
  mounts+=("$target")
}

cp -a "$base/." "$root/"
chmod 0755 "$root" # mktemp made it 0700: the numberd user could not reach /usr
cp /etc/resolv.conf "$root/etc/resolv.conf"
mnt /proc -t proc proc
mnt /dev --bind /dev
mnt /var/cache/apt/archives --bind "$cache/apt-archives"
# nothing may start services inside the chroot
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 0755 "$root/usr/sbin/policy-rc.d"
step "fresh copy of the root at $root"

in_root() { chroot "$root" "$@"; }

# ---- 3. install with its dependencies ---------------------------------------
[ -z "$(in_root dpkg-query -W -f='${Status}' libmicrohttpd12 2>/dev/null || true)" ] ||
  fail "the clean root already has libmicrohttpd12: it is not clean"
in_root getent passwd numberd >/dev/null && fail "the clean root already has a numberd user"
cp "$deb" "$root/tmp/"
pkg="/tmp/$(basename "$deb")"
export DEBIAN_FRONTEND=noninteractive
if ! in_root apt-get install -y -q --no-install-recommends "$pkg" >"$root/tmp/apt.log" 2>&1; then
  # the cached lists may name versions the mirror no longer has: refresh once
  echo "deb-test: apt-get install failed; apt-get update and once more"
  in_root apt-get update -qq
  in_root apt-get install -y -q --no-install-recommends "$pkg" >"$root/tmp/apt.log" 2>&1 ||
    { cat "$root/tmp/apt.log" >&2; fail "apt-get install $pkg"; }
fi
grep -E '^(Get:|Setting up numberd)' "$root/tmp/apt.log" | sed 's/^/  /' | head -n 40
step "apt-get install $(basename "$deb") with its dependencies"

status=$(in_root dpkg-query -W -f='${Status} ${Version}' numberd)
[ "$status" = "install ok installed $version" ] || fail "dpkg says: $status"
out=$(in_root numberd --version) || fail "numberd --version failed in the clean root"
[ "$out" = "numberd $version" ] || fail "numberd --version printed '$out', want 'numberd $version'"
echo "  numberd --version: $out"

# what the maintainer scripts and the package put in place
IFS=: read -r _ _ uid gid _ home shell <<<"$(in_root getent passwd numberd)" || fail "no numberd user"
[ "$home" = /var/lib/numberd ] || fail "numberd's home is $home"
case "$shell" in */nologin | */false) ;; *) fail "numberd's shell is $shell" ;; esac
[ "$uid" -lt 1000 ] || fail "numberd is not a system user (uid $uid)"
[ "$(in_root stat -c '%U:%G %a' /var/lib/numberd)" = "numberd:numberd 750" ] ||
  fail "/var/lib/numberd is $(in_root stat -c '%U:%G %a' /var/lib/numberd)"
[ "$(in_root stat -c '%U:%G %a' /etc/numberd)" = "root:numberd 750" ] ||
  fail "/etc/numberd is $(in_root stat -c '%U:%G %a' /etc/numberd)"
in_root dpkg-query -W -f='${Conffiles}\n' numberd | grep -q '^ /etc/default/numberd ' ||
  fail "/etc/default/numberd is not a conffile"
unit="$root/lib/systemd/system/numberd.service"
for line in 'Type=notify' 'ExecStart=/usr/bin/numberd serve' 'EnvironmentFile=-/etc/default/numberd' \
            'User=numberd' 'StateDirectory=numberd'; do
  grep -qx "$line" "$unit" || fail "the installed unit lacks $line"
done
[ -f "$root/usr/lib/sysusers.d/numberd.conf" ] || fail "no sysusers.d file"
[ -f "$root/usr/share/man/man1/numberd.1.gz" ] || fail "no man page"
echo "  user numberd ($uid:$gid, $home, $shell); /var/lib/numberd numberd 0750; /etc/numberd root:numberd 0750;" \
     "/etc/default/numberd a conffile; the unit, sysusers.d file and man page in place"
step "installed files, user and directories"

# ---- 4. serve, as the unit would ---------------------------------------------
# The unit: User=numberd, WorkingDirectory=/var/lib/numberd, its two
# Environment= lines, then EnvironmentFile=/etc/default/numberd, read here
# the way systemd reads it (NAME=value lines win over Environment=).  Only
# the listen address differs: a free loopback port (a flag wins over both).
log="$root/tmp/serve.log"
port=""
serve_start() {
  local envs=(NUMBERD_DB=/var/lib/numberd/numberd.db NUMBERD_LISTEN=127.0.0.1:8080) l
  while IFS= read -r l; do envs+=("$l"); done < <(grep -E '^[A-Z_]+=' "$root/etc/default/numberd" || true)
  : >"$log"
  chroot "$root" setpriv --reuid=numberd --regid=numberd --init-groups \
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/var/lib/numberd "${envs[@]}" \
    sh -c 'cd /var/lib/numberd && exec /usr/bin/numberd serve --listen 127.0.0.1:0' >"$log" 2>&1 &
  pid=$!
  port=""
  for _ in $(seq 100); do
    port=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$log" | head -n 1)
    [ -n "$port" ] && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; fail "numberd serve exited before listening"; }
    sleep 0.1
  done
  cat "$log" >&2
  fail "numberd serve did not listen within 10 s"
}
serve_stop() {
  local rc=0
  kill -TERM "$pid"
  wait "$pid" || rc=$?
  pid=""
  [ "$rc" = 0 ] || { cat "$log" >&2; fail "numberd serve exited $rc after SIGTERM"; }
  grep -q '"stopped: database closed"' "$log" || { cat "$log" >&2; fail "no clean stop in the log"; }
}
# GET url [curl args...] -> "BODY STATUS" (the body on one line)
get() {
  local url=$1
  shift
  curl -sS --max-time 5 -w ' %{http_code}' "$@" "http://127.0.0.1:$port$url" | tr -d '\n'
}

# a. as shipped
serve_start
health=$(get /healthz) || fail "GET /healthz"
[ "$health" = '{"status":"ok"} 200' ] || fail "GET /healthz answered: $health"
ready=$(get /readyz -o /dev/null) || fail "GET /readyz"
[ "$ready" = ' 200' ] || fail "GET /readyz answered:$ready"
admin=$(get /admin/v1/inventory/stats -o /dev/null)
[ "$admin" = ' 404' ] || fail "with no admin token the admin API answered:$admin (want 404)"
echo "  as shipped, numberd serve as user numberd on 127.0.0.1:$port: GET /healthz $health," \
     "/readyz$ready, /admin/v1/inventory/stats$admin (no admin token yet)"
for f in numberd.db numberd.db.key; do
  [ "$(in_root stat -c '%U %a' "/var/lib/numberd/$f")" = "numberd 600" ] ||
    fail "/var/lib/numberd/$f is not numberd's with mode 0600: $(in_root stat -c '%U %a' "/var/lib/numberd/$f")"
done
serve_stop
step "numberd serve in the clean root as shipped: answered, stopped with status 0"

# b. the README's "Install from the package" steps (without sudo): an admin
# token in /etc/numberd, the two settings in /etc/default/numberd; then the
# command line on the service's database as the service's user
in_root sh -c 'head -c 24 /dev/urandom | base64 > /etc/numberd/admin-token'
in_root chgrp numberd /etc/numberd/admin-token
in_root chmod 0640 /etc/numberd/admin-token
in_root sed -i -e 's|^#NUMBERD_ADMIN_TOKEN_FILE=.*|NUMBERD_ADMIN_TOKEN_FILE=/etc/numberd/admin-token|' \
               -e 's|^#NUMBERD_LISTEN=.*|NUMBERD_LISTEN=0.0.0.0:8080|' /etc/default/numberd
grep -qx 'NUMBERD_ADMIN_TOKEN_FILE=/etc/numberd/admin-token' "$root/etc/default/numberd" ||
  fail "the README's sed did not set NUMBERD_ADMIN_TOKEN_FILE"
acct=$(chroot "$root" setpriv --reuid=numberd --regid=numberd --init-groups \
       numberd account create --name acme --db /var/lib/numberd/numberd.db) || fail "numberd account create"
auth_id=$(printf '%s' "$acct" | sed -n 's/.*"auth_id": *"\([^"]*\)".*/\1/p')
auth_token=$(printf '%s' "$acct" | sed -n 's/.*"auth_token": *"\([^"]*\)".*/\1/p')
[ -n "$auth_id" ] && [ -n "$auth_token" ] || fail "account create printed: $acct"
serve_start
token=$(cat "$root/etc/numberd/admin-token")
admin=$(get /admin/v1/inventory/stats -o /dev/null -H "Authorization: Bearer $token")
[ "$admin" = ' 200' ] || fail "with the admin token file the admin API answered:$admin"
noauth=$(get /admin/v1/inventory/stats -o /dev/null)
[ "$noauth" = ' 401' ] || fail "without the token the admin API answered:$noauth (want 401)"
plivo=$(get "/v1/Account/$auth_id/Number/" -o /dev/null -u "$auth_id:$auth_token")
[ "$plivo" = ' 200' ] || fail "the account made by the CLI: GET Number/ answered:$plivo"
echo "  with /etc/numberd/admin-token: /admin/v1/inventory/stats$admin (without the token$noauth);" \
     "account $auth_id made by the CLI as user numberd: GET /v1/Account/…/Number/$plivo"
serve_stop
step "the README's steps: admin token file, settings, CLI as user numberd"

# c. the installed unit passes systemd's own check (its ExecStart pointed at
# the binary in the root: verify looks for it on this machine)
if command -v systemd-analyze >/dev/null; then
  sed "s|^ExecStart=/usr/bin/numberd|ExecStart=$root/usr/bin/numberd|" "$unit" >"$root/tmp/numberd.service"
  out=$(systemd-analyze verify --man=no "$root/tmp/numberd.service" 2>&1) || fail "systemd-analyze verify: $out"
  [ -z "$out" ] || fail "systemd-analyze verify: $out"
  step "systemd-analyze verify accepts the installed unit"
fi

# ---- 5. purge ------------------------------------------------------------------
in_root apt-get purge -y -q numberd >"$root/tmp/purge.log" 2>&1 || { cat "$root/tmp/purge.log" >&2; fail "purge"; }
[ ! -e "$root/usr/bin/numberd" ] || fail "purge left /usr/bin/numberd"
[ ! -e "$root/etc/default/numberd" ] || fail "purge left /etc/default/numberd"
[ -f "$root/etc/numberd/admin-token" ] || fail "purge removed the operator's /etc/numberd/admin-token"
[ -f "$root/var/lib/numberd/numberd.db" ] || fail "purge removed the database (it must keep it)"
[ -f "$root/var/lib/numberd/numberd.db.key" ] || fail "purge removed the server key (it must keep it)"
in_root apt-get autoclean -qq >/dev/null 2>&1 || true # old .debs out of the shared cache
step "apt-get purge: the package and its conffile gone; the database, its key and the admin token kept"

echo "deb-test: passed: $(basename "$deb") installs into a clean Debian 12 root and runs there ($((SECONDS - t0)) s)"
