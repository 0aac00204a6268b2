from refdesk.cli import main

raise SystemExit(main())
