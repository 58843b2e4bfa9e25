"""``govtag serve``: start the web service."""

from __future__ import annotations

import argparse

from govtag.cli.common import add_model_option

DESCRIPTION = """Run the HTTP service and its web page. The settings (address, limits, batching, the
pipeline config and the model registry) come from --settings, else
$GOVTAG_SERVICE_SETTINGS, else ./configs/service.yaml; docs/service.md describes them."""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("serve", help="run the HTTP service and web page", description=DESCRIPTION)
    parser.add_argument("--host", help="bind address (default from settings)")
    parser.add_argument("--port", type=int, help="port (default from settings)")
    parser.add_argument("--settings", metavar="FILE", help="service settings file (default: configs/service.yaml)")
    parser.add_argument("--config", metavar="FILE", help="the pipeline config to serve (default from settings)")
    add_model_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from govtag.service.server import serve

    serve(settings_file=args.settings, host=args.host, port=args.port, pipeline_config=args.config, model=args.model)
    return 0
