"""The non-JSON pages the simulator answers with, shaped like the real service's: Apache's 401 page, the
maintenance page served with status 200 (a real ISO-NE quirk), and plain HTML error pages."""

from __future__ import annotations

from html import escape

SERVER_NAME = "ISO New England"

UNAUTHORIZED_HTML = (
    b'<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n<title>401 Unauthorized</title>\n'
    b"</head><body>\n<h1>Unauthorized</h1>\n<p>This server could not verify that you\nare authorized to access the "
    b"document\nrequested.  Either you supplied the wrong\ncredentials (e.g., bad password), or your\nbrowser doesn't "
    b"understand how to supply\nthe credentials required.</p>\n</body></html>\n"
)

MAINTENANCE_HTML = (
    b"<!DOCTYPE html>\n<html><head><title>ISO New England - Scheduled Maintenance</title></head>\n<body>"
    b"<h1>ISO New England Web Services</h1><p>The system is currently undergoing scheduled maintenance. "
    b"Please try again later.</p></body></html>\n"
)


def html_error(status: int, title: str, message: str) -> bytes:
    return (
        f"<!DOCTYPE html>\n<html><head><title>{status} {escape(title)}</title></head>\n"
        f"<body><h1>{status} {escape(title)}</h1><p>{escape(message)}</p></body></html>\n"
    ).encode()
