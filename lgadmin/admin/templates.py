"""Flask-Admin's templates without `javascript:` URLs, which our script policy forbids.

Its dropdown toggles, pager and tabs use `href="javascript:void(0)"` as a dead link;
the browser refuses those under our CSP (a console violation, and a click that does
nothing where the link is live). Each Flask-Admin view reads its templates through
its own blueprint's loader, so that loader is wrapped to serve "#" instead: Bootstrap
already cancels the click on dropdown toggles, and the other links are disabled or
the current page.
"""

from flask import Flask
from jinja2 import BaseLoader

DEAD_LINK = 'href="javascript:void(0)"'
SAFE_DEAD_LINK = 'href="#"'


class WithoutJavascriptUrls(BaseLoader):
    def __init__(self, loader: BaseLoader):
        self.loader = loader

    def get_source(self, environment, template):
        source, filename, uptodate = self.loader.get_source(environment, template)
        return source.replace(DEAD_LINK, SAFE_DEAD_LINK), filename, uptodate

    def list_templates(self):
        return self.loader.list_templates()


def serve_flask_admin_templates_without_javascript_urls(app: Flask) -> None:
    for blueprint in app.iter_blueprints():
        loader = blueprint.jinja_loader
        if (
            blueprint.import_name.startswith("flask_admin")
            and loader is not None
            and not isinstance(loader, WithoutJavascriptUrls)
        ):
            blueprint.jinja_loader = WithoutJavascriptUrls(loader)
