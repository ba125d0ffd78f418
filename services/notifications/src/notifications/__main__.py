from meemaken_kit import main
from notifications.bootstrap import SERVICE

raise SystemExit(main(SERVICE))
