#!/usr/bin/env python3
"""moto's server, as `moto_server` runs it, with one difference: S3's
conditional writes are atomic.

S3 applies `PutObject` with `If-None-Match: *` or `If-Match: <ETag>`
atomically. moto checks the condition and then writes, and its server
handles requests in threads, so two concurrent writers can both pass the
check. The tests of concurrent runs (alert claims and the cooldown state)
need S3's guarantee, so every PutObject here runs under one lock.

    .venv-moto/bin/python tests/moto_server.py -H 127.0.0.1 -p PORT
"""

import sys
import threading

from moto.s3.responses import S3Response
from moto.server import main

_put_object = S3Response.put_object
_lock = threading.Lock()


def _atomic_put_object(self, *args, **kwargs):
    with _lock:
        return _put_object(self, *args, **kwargs)


S3Response.put_object = _atomic_put_object

if __name__ == "__main__":
    main(sys.argv[1:])
