"""``python -m refdesk``: the CLI; a Ctrl-C while it is still being imported ends it as one later would."""

import sys

try:
    from refdesk.cli import main
except KeyboardInterrupt:
    sys.stderr.write("refdesk: interrupted\n")
    raise SystemExit(130) from None

raise SystemExit(main())
