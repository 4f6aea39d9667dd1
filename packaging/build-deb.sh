#!/usr/bin/env bash
# Packs the PyInstaller folder (dist/workup, from `make bundle`) into a Debian package:
#   /opt/ejaculatory-disorder-workup/     the self-contained application
#   /usr/bin/workup                       a relative link to it (so `dpkg -x` roots work too)
#   /usr/share/applications/, icons/hicolor/, metainfo/   the desktop entry, icons, AppStream
# zstd compression (dpkg 1.21.18 or newer: Debian 12, Ubuntu 22.04): seconds to pack, where xz
# takes minutes for a few megabytes less.
# Usage: packaging/build-deb.sh PYTHON OUT_DIR   (PYTHON: the build environment's interpreter)
set -euo pipefail

python="$1"
out_dir="$2"
root="$(cd "$(dirname "$0")/.." && pwd)"
package=ejaculatory-disorder-workup
app_id=org.ejaculatory_disorder_workup.Workup
bundle="$root/dist/workup"

fail() { echo "build-deb: $*" >&2; exit 1; }

[ -x "$bundle/workup" ] || fail "no bundle at $bundle; run 'make bundle' first"
version="$("$python" -c 'import app; print(app.__version__)')"
architecture="$(dpkg --print-architecture)"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT

install -d "$stage/opt/$package" "$stage/usr/bin" "$stage/usr/share/applications" \
    "$stage/usr/share/metainfo" "$stage/usr/share/icons/hicolor" "$stage/usr/share/doc/$package" \
    "$stage/DEBIAN"
cp -a "$bundle/." "$stage/opt/$package/"
ln -s "../../opt/$package/workup" "$stage/usr/bin/workup"
install -m 0644 "$root/packaging/$app_id.desktop" "$stage/usr/share/applications/"
install -m 0644 "$root/packaging/$app_id.metainfo.xml" "$stage/usr/share/metainfo/"
"$python" "$root/packaging/render_icons.py" "$stage/usr/share/icons/hicolor"
install -m 0644 "$root/packaging/copyright" "$stage/usr/share/doc/$package/copyright"

desktop-file-validate "$stage/usr/share/applications/$app_id.desktop" \
    || fail "the desktop entry does not validate"
appstreamcli validate --no-net "$stage/usr/share/metainfo/$app_id.metainfo.xml" >/dev/null \
    || fail "the AppStream metadata does not validate"

# Files readable by all, directories and programs executable by all, owned by root.
find "$stage" -type d -exec chmod 0755 {} +
find "$stage/opt" -type f -exec chmod go-w,a+r {} +

installed_size="$(du -sk --exclude=DEBIAN "$stage" | cut -f1)"
sed -e "s/@VERSION@/$version/" -e "s/@ARCHITECTURE@/$architecture/" \
    -e "s/@INSTALLED_SIZE@/$installed_size/" "$root/packaging/debian-control.in" \
    > "$stage/DEBIAN/control"

mkdir -p "$out_dir"
target="$out_dir/${package}_${version}_${architecture}.deb"
dpkg-deb --root-owner-group -Zzstd -z10 --build "$stage" "$target.part" >/dev/null
mv "$target.part" "$target"
echo "$target"
