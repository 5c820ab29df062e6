"""The command line: ``init``, ``sync``, ``components`` (more to come), over the facades.

Loading it makes some eighty thousand objects that live as long as the process and no
garbage, so the cyclic collector does not run meanwhile (its passes were a tenth of the
start-up) nor ever reads them again (``collector.loading``).
"""

from codemyspec.collector import loading

with loading():
    from codemyspec.cli.app import app, main
    from codemyspec.cli.headless import drive_headless
    from codemyspec.cli.running import SERVER_GONE_EXIT

__all__ = ["SERVER_GONE_EXIT", "app", "drive_headless", "main"]
