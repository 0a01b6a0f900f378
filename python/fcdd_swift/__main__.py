"""`python3 -m fcdd_swift` is the `fcdd-swift` command."""
import sys

from .cli import main

sys.exit(main())
