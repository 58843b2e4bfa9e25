"""``govtag serve [--host H] [--port P] [--settings FILE]``: start the web service."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("serve", help="run the HTTP service and web page", description=__doc__)
    parser.add_argument("--host", help="bind address (default from settings)")
    parser.add_argument("--port", type=int, help="port (default from settings)")
    parser.add_argument("--settings", help="service settings file (default: configs/service.yaml)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from govtag.service.server import serve

    serve(settings_file=args.settings, host=args.host, port=args.port)
    return 0
