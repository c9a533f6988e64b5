#!/bin/sh
# Installs smtp-wizard from this folder for every account of this machine: a virtual
# environment in /opt/smtp-wizard on the distribution's own Python (3.11 or newer) and
# a link /usr/local/bin/smtp-wizard, so `smtp-wizard` and `sudo smtp-wizard` both find
# it. What that needs and is missing comes from apt: the venv module (python3.X-venv),
# and on Ubuntu 22.04, whose python3 is 3.10, its python3.11 package. Run as root, or as
# an account with sudo (it asks once). Run it again to update; to remove:
#   rm -r /opt/smtp-wizard /usr/local/bin/smtp-wizard
# Environment: SMTP_WIZARD_PREFIX (instead of /opt/smtp-wizard), PYTHON (the interpreter).
set -eu

script=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
src=$(dirname "$script")
prefix=${SMTP_WIZARD_PREFIX:-/opt/smtp-wizard}
link=/usr/local/bin/smtp-wizard

say() { printf 'install.sh: %s\n' "$*"; }
die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

if [ "$(id -u)" -ne 0 ]; then
    # Everything below writes to system folders: run it all as root, asking once. sudo
    # resets the environment, so the two settings are passed on explicitly.
    command -v sudo >/dev/null 2>&1 || die "run this as root, or install sudo."
    say "installing into $prefix and $link needs root: asking sudo"
    exec sudo -- env SMTP_WIZARD_PREFIX="$prefix" PYTHON="${PYTHON:-}" sh "$script"
fi

case $prefix in
    /?*) ;;
    *) die "SMTP_WIZARD_PREFIX must be an absolute path, not '$prefix'." ;;
esac

new_enough() {
    "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1
}

apt_install() {
    command -v apt-get >/dev/null 2>&1 \
        || die "$* missing and there is no apt-get here: install it, then run this again."
    say "installing $* with apt-get"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" \
        >/dev/null
}

# The distribution's Python: its default python3, else a newer one beside it.
find_python() {
    for candidate in /usr/bin/python3 /usr/bin/python3.13 /usr/bin/python3.12 \
                     /usr/bin/python3.11; do
        if [ -x "$candidate" ] && new_enough "$candidate"; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

if [ -n "${PYTHON:-}" ]; then
    python=$PYTHON
    new_enough "$python" || die "$python is not Python 3.11 or newer."
elif ! python=$(find_python); then
    if [ -x /usr/bin/python3 ]; then
        # Ubuntu 22.04: python3 is 3.10, and the same archive has python3.11 beside it.
        apt_install python3.11 python3.11-venv
    else
        apt_install python3 python3-venv
    fi
    python=$(find_python) || die "no Python 3.11 or newer was found in /usr/bin."
fi

# Debian and Ubuntu ship venv's ensurepip separately, as python3.X-venv.
if ! "$python" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    apt_install "$("$python" -c 'import sys; print("python%d.%d-venv" % sys.version_info[:2])')"
fi

version() { "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null; }

if [ -e "$prefix" ] && [ ! -f "$prefix/pyvenv.cfg" ]; then
    die "$prefix exists and is not a virtual environment: move it away, or set SMTP_WIZARD_PREFIX."
fi
if [ -f "$prefix/pyvenv.cfg" ] \
        && [ "$(version "$prefix/bin/python" || true)" != "$(version "$python")" ]; then
    # Made with another Python (before a distribution upgrade): its packages do not fit.
    say "replacing $prefix, made with another Python"
    rm -rf "$prefix"
fi
if [ ! -e "$prefix" ]; then
    say "creating a virtual environment in $prefix with $python ($(version "$python"))"
    "$python" -m venv "$prefix"
fi

# pip builds in the folder it installs from: build in a copy, so that no root-owned
# build files are left in the (perhaps another account's) clone.
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
tar -C "$src" --exclude=./.git --exclude=./.venv --exclude=./build --exclude='*.egg-info' \
    --exclude=__pycache__ -cf - . | tar -C "$stage" -xf -

say "installing smtp-wizard and what it needs from PyPI into $prefix (about a minute)"
PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore PIP_NO_INPUT=1 \
    "$prefix/bin/python" -m pip install --quiet --upgrade --use-pep517 "$stage[demo]"

if [ -e "$link" ] && [ ! -L "$link" ]; then
    die "$link exists and is not a link: move it away, then run this again."
fi
mkdir -p "$(dirname "$link")"
ln -sfn "$prefix/bin/smtp-wizard" "$link"
"$link" --version
say "done: $link runs $prefix/bin/smtp-wizard. Update: run this again. Remove: rm -r $prefix $link"
