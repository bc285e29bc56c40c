#!/usr/bin/env bash
# The Python fakes' own tests (tests/fake/, and the Runtime API queue in tests/bench/): the Image
# Builder and Auto Scaling fakes against botocore's models, the moto front through boto3 clients, the
# benchmark's fake. Runs in .venv (scripts/emulators.sh installs it, pytest pinned with moto); starts
# its servers on free 127.0.0.1 ports and stops them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/emulators.sh > /dev/null
exec .venv/bin/python -B -m pytest -q -p no:cacheprovider tests/fake tests/bench "$@"
