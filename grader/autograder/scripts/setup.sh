#!/usr/bin/env bash
# Gradescope runs this once, as root on its Ubuntu 22.04 image, when the autograder is built.
# grader goes into a virtual environment of its own: the system python3's packages, which Gradescope's
# harness needs, are never touched. The first failing command stops the build, so errors surface there.
set -euo pipefail

source_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="${GRADER_AUTOGRADER_ROOT:-/autograder}"
venv="$root/venv"

python3 -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else "this autograder zip holds wheels for Python 3.10 (Gradescope\x27s Ubuntu 22.04 image), and python3 here is %d.%d" % sys.version_info[:2])'
if ! python3 -m venv --clear "$venv"; then
  # Ubuntu's python3 has no ensurepip until python3-venv is installed.
  echo "python3 -m venv failed; installing python3-venv"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-venv
  python3 -m venv --clear "$venv"
fi
# Offline: every wheel is in the zip, built for this image's Python, so an index outage changes nothing.
pip_install() {
  "$venv/bin/python" -m pip install --disable-pip-version-check --no-cache-dir --no-input \
    --no-index --find-links "$source_dir/wheels" "$@"
}
# The pip that built the zip: Ubuntu's bundled one is years older than the wheels it would read.
pip_install "pip==@@PIP_VERSION@@"
pip_install -r "$source_dir/requirements.txt" "$source_dir"/wheels/*.whl
# WordNet's data for the text engine's near-synonyms, where grader.text.lexicon looks first: the environment's share/.
if [ -d "$source_dir/wordnet" ]; then
  mkdir -p "$venv/share/wordnet"
  cp "$source_dir"/wordnet/* "$venv/share/wordnet/"
fi
# Tesseract reads the text of scanned PDFs (Ubuntu's tesseract-ocr, English data). Without it a scan still
# goes to a person, unread, so a failed install is reported and the build goes on.
if ! command -v tesseract >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    tesseract-ocr tesseract-ocr-eng) || echo "tesseract-ocr could not be installed: scanned PDFs go to a person unread"
fi
# Load the assignment and the whole grading pipeline once, so a broken install fails here, not per student.
"$venv/bin/python" -m grader.autograder.run --check --root "$root"
