import os
import sys
import tempfile

# `serve`: the folder where the API's worker processes count their metrics, set before the imports below bring in
# prometheus_client (it reads the folder once, at import), so that Granian can fork its workers instead of spawning
# them, each re-importing the app (meemaken_kit.serve).
if sys.argv[1:2] == ["serve"]:
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="meemaken-gateway-metrics-"))

from gateway.bootstrap import SERVICE
from meemaken_kit import main

raise SystemExit(main(SERVICE))
