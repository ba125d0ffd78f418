from meemaken_kit import main
from panels.bootstrap import SERVICE

raise SystemExit(main(SERVICE))
