"""The HTTP service and web page: ``govtag serve`` or ``govtag.service.app.create_app(settings)``."""
