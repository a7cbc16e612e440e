"""WhiteNoise without the manifest.

`collectstatic` writes staticfiles.json into STATIC_ROOT: the map of every static
file to its hashed name. Browsers never need it (pages link the hashed names), and
served it is an inventory of the site's files for anyone probing. WhiteNoise serves
everything in STATIC_ROOT, so the manifest (and any compressed copy of it) is taken
out of what it serves; a request for it falls through to Django's 404.
"""

from __future__ import annotations

from django.contrib.staticfiles.storage import staticfiles_storage
from whitenoise.middleware import WhiteNoiseMiddleware

DEFAULT_MANIFEST_NAME = "staticfiles.json"


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        manifest = getattr(staticfiles_storage, "manifest_name", DEFAULT_MANIFEST_NAME)
        self.hidden_prefix = self.static_prefix + manifest
        self.files = {
            url: static_file
            for url, static_file in self.files.items()
            if not self.is_hidden(url)
        }

    def is_hidden(self, url: str) -> bool:
        return url.startswith(self.hidden_prefix)

    def find_file(self, url: str):
        # Only used when WhiteNoise looks files up per request (DEBUG).
        return None if self.is_hidden(url) else super().find_file(url)
