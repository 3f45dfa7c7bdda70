"""`python -m tests.cloudflare_plugin_standin`: serve the stand-in plugin (see server.py)."""

import sys

from tests.cloudflare_plugin_standin.server import main

sys.exit(main())
