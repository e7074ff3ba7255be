"""`python -m services.registry` runs the service; `... import FILE` imports a roster."""

import sys

from services.registry.bootstrap import build

if __name__ == "__main__":
    if len(sys.argv) > 1:
        from services.registry.cli import main

        sys.exit(main(sys.argv[1:]))
    build().run()
