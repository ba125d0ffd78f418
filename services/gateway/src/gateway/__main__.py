from gateway.bootstrap import SERVICE
from meemaken_kit import main

raise SystemExit(main(SERVICE))
