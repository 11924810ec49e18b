#!/usr/bin/env bash
# Builds the Debian package of this tree: build-deb/numberd_<version>_<arch>.deb
# (what `make deb` runs).  usage: scripts/deb.sh [OUT_DIR]
#
# How: dpkg-buildpackage with debhelper (debian/), the way Debian itself
# builds packages, rather than dpkg-deb over a `make install DESTDIR=` stage.
# debhelper brings what a hand-made .deb gets wrong or has to repeat by hand:
# Depends computed from the binary's libraries (dpkg-shlibdeps,
# ${shlibs:Depends}), files under /etc marked as conffiles, the systemd
# enable/start/restart scripts, stripped binaries with a -dbgsym package,
# compressed man page and changelog, md5sums, and a build with Debian's
# hardening flags from clean sources.
#
# dpkg-buildpackage builds in the source directory and writes its results
# into the directory *above* it; so that neither touches this checkout (or
# its parent), the tree -- the files git knows, as they are now, committed
# or not -- is copied to OUT_DIR/src/numberd-<version>/ and built there.
#
# Environment: DEB_BUILD_OPTIONS as usual (nocheck: no unit tests;
# parallel=N); LINTIAN=0 skips lintian, which otherwise runs on the result
# when it is installed and fails the build on an error or a warning.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$(mkdir -p "${1:-$here/build-deb}" && cd "${1:-$here/build-deb}" && pwd)"
t0=$SECONDS

for c in dpkg-buildpackage dh dpkg-parsechangelog; do
  if ! command -v "$c" >/dev/null 2>&1; then
    echo "deb.sh: $c is missing: run scripts/deps.sh --deb (debhelper, dpkg-dev)" >&2
    exit 1
  fi
done

# One version everywhere: the changelog's is the package's, CMake's is what
# `numberd --version` prints.
version=$(dpkg-parsechangelog -l "$here/debian/changelog" -S Version)
cmake_version=$(sed -n 's/^project(numberd VERSION \([0-9.]*\).*/\1/p' "$here/CMakeLists.txt")
if [ "$version" != "$cmake_version" ]; then
  echo "deb.sh: debian/changelog is at $version but CMakeLists.txt at $cmake_version:" \
       "add a changelog entry (dch -v $cmake_version)" >&2
  exit 1
fi

src="$out/src/numberd-$version"
rm -rf "$out/src"
mkdir -p "$src"
if git -C "$here" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  # tracked and new files, not ignored ones (build/, node_modules, *.db);
  # a tracked file deleted in the work tree is left out
  (cd "$here" && git ls-files -z --cached --others --exclude-standard |
     while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
     tar --null -T - -cf -) | tar -xf - -C "$src"
else
  tar -C "$here" --exclude=./.git --exclude='./build' --exclude='./build-*' \
      --exclude=node_modules --exclude='*.db' --exclude='*.key' -cf - . | tar -xf - -C "$src"
fi

arch=$(dpkg-architecture -qDEB_HOST_ARCH)
rm -f "$out"/numberd_"$version"* "$out"/numberd-dbgsym_"$version"*
log="$out/build.log"
echo "deb.sh: building numberd $version ($arch) in $src (log: $log)"
# -us -uc: unsigned (a signature is the publisher's business, not the build's)
if ! (cd "$src" && dpkg-buildpackage -us -uc) >"$log" 2>&1; then
  tail -n 40 "$log" >&2
  echo "deb.sh: dpkg-buildpackage failed (the whole log: $log)" >&2
  exit 1
fi
for f in "$out/src"/numberd_"$version"* "$out/src"/numberd-dbgsym_"$version"*; do
  if [ -e "$f" ]; then mv "$f" "$out/"; fi
done
deb="$out/numberd_${version}_${arch}.deb"
test -f "$deb"
echo "deb.sh: built $deb in $((SECONDS - t0)) s"
dpkg-deb --field "$deb" Package Version Architecture Depends Installed-Size | sed 's/^/  /'
echo

if [ "${LINTIAN:-1}" != 0 ] && command -v lintian >/dev/null 2>&1; then
  # the .changes covers the source package (debian/) and the binary ones
  t1=$SECONDS
  lintian --display-info --fail-on error,warning "$out/numberd_${version}_${arch}.changes" \
    > "$out/lintian.txt" 2>&1 || { cat "$out/lintian.txt" >&2; echo "deb.sh: lintian failed" >&2; exit 1; }
  echo "deb.sh: lintian: $(grep -c '^[EWIP]:' "$out/lintian.txt" || true) tags in $((SECONDS - t1)) s" \
       "(no error or warning; $out/lintian.txt)"
  sed 's/^/  /' "$out/lintian.txt"
fi
rm -rf "$out/src"
