#!/usr/bin/env bash
# Prints the path of a working Python 3.10 interpreter, or explains how to get one and exits 1.
# Rasa 3.6 declares Requires-Python <3.11, so the project venv must be built with 3.10.
set -u
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' >/dev/null 2>&1; }
candidates=()
[ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
# pyenv's shim only answers when 3.10 is selected, so ask pyenv for the real binary.
if command -v pyenv >/dev/null 2>&1; then
  for v in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.10(\.|$)' | sort -t. -k3 -n -r); do
    candidates+=("$(pyenv root)/versions/$v/bin/python3.10")
  done
fi
for d in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.10*/bin; do candidates+=("$d/python3.10"); done
candidates+=(python3.10 /usr/bin/python3.10 /usr/local/bin/python3.10 python3 python)
for c in "${candidates[@]}"; do
  p=$(command -v "$c" 2>/dev/null) || continue
  if ok "$p"; then echo "$p"; exit 0; fi
done
cat >&2 <<'MSG'
No Python 3.10 interpreter found (Rasa 3.6 needs Python 3.10; 3.11+ is not supported).
Install one, then run `make install` again, for example:
  pyenv install 3.10.13            # if you use pyenv (no need to select it; make finds it)
  sudo apt-get install python3.10 python3.10-venv   # on Debian/Ubuntu releases that ship it
or point make at one:  make install PYTHON=/path/to/python3.10
MSG
exit 1
