from meemaken_kit import main
from proposals.bootstrap import SERVICE

raise SystemExit(main(SERVICE))
