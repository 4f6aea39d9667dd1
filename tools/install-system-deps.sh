#!/usr/bin/env bash
# Installs the Debian packages the application, its tests and its packaging need, when any is
# missing (a no-op on a machine that has them all).
set -euo pipefail

packages=(
    # Qt on X11: the xcb platform plugin's libraries ("Qt for X11 Requirements").
    libfontconfig1 libfreetype6 libx11-6 libx11-xcb1 libxext6 libxfixes3 libxi6 libxrender1
    libxcb1 libxcb-cursor0 libxcb-glx0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
    libxcb-randr0 libxcb-render0 libxcb-render-util0 libxcb-shape0 libxcb-shm0 libxcb-sync1
    libxcb-util1 libxcb-xfixes0 libxcb-xinerama0 libxcb-xinput0 libxcb-xkb1
    libxkbcommon0 libxkbcommon-x11-0 libsm6 libice6
    # Qt on Wayland, and OpenGL/EGL for both.
    libwayland-client0 libwayland-cursor0 libwayland-egl1 libdecor-0-0
    libegl1 libgl1 libopengl0 libdbus-1-3 libglib2.0-0
    # A real X display for the tests and for screenshots, driven from outside the process.
    xvfb xauth xdotool x11-utils imagemagick
    # PDFs rendered to images (print preview, tests).
    poppler-utils
    # The tests start a throwaway PostgreSQL server (initdb, pg_ctl) for clinic server mode.
    postgresql
    # Packaging: PyInstaller reads binaries with objdump; the Debian package's checks.
    binutils desktop-file-utils appstream
)

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$package")
done
if [ "${#missing[@]}" -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "missing Debian packages: ${missing[*]}; install them with: sudo apt-get install ${missing[*]}" >&2
    exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
