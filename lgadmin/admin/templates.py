"""Flask-Admin's templates, with two fixes our rules need.

- No `javascript:` URLs, which our script policy forbids: its dropdown toggles, pager
  and tabs use `href="javascript:void(0)"` as a dead link, refused under our CSP. They
  get "#" instead: Bootstrap already cancels the click on dropdown toggles, and the
  other links are disabled or the current page.
- Every icon-only button has a tooltip: the navbar's (narrow-screen) menu toggle gets one.

Each Flask-Admin view reads its templates through its own blueprint's loader, so that
loader is wrapped; the rest of each template is served as shipped.
"""

from flask import Flask
from jinja2 import BaseLoader

FIXES = (
    ('href="javascript:void(0)"', 'href="#"'),
    ('aria-label="Toggle navigation">', 'aria-label="Toggle navigation" title="Menu">'),
)


class WithoutJavascriptUrls(BaseLoader):
    def __init__(self, loader: BaseLoader):
        self.loader = loader

    def get_source(self, environment, template):
        source, filename, uptodate = self.loader.get_source(environment, template)
        for shipped, fixed in FIXES:
            source = source.replace(shipped, fixed)
        return source, filename, uptodate

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
