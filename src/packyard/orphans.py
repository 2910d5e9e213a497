"""Server worker processes end with the process that started them.

`packyard serve` runs the application in worker processes. If the serving process is killed
outright (SIGKILL, the OOM killer), nothing tells its workers, which would go on answering
on the port with no supervisor, and a restarted server could not bind it. Each worker
watches its parent and, once it is gone, stops gracefully (finishing requests in flight),
then for certain after a grace period.
"""

from __future__ import annotations

import os
import signal
import threading
import time

POLL_SECONDS = 0.5
GRACE_SECONDS = 10.0


def exit_with_parent() -> None:
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(POLL_SECONDS)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(GRACE_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="packyard-parent-watch", daemon=True).start()
