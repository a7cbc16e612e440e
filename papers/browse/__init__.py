"""The browse engine: one `browse(scope, params, reader) -> Browse` for every list of
papers (the list, author, tag and bookmark pages, the JSON API, the import's warm-up).

- `engine.py`: `browse()` and its result; filters become masks over the facet index.
- `index.py`: the in-memory facet index (numpy arrays), rebuilt when the data changes.
- `version.py`: the data version in the database that tells every worker to rebuild.
- `facets.py`: the facet protocol and the facet dataclasses.
- `querystring.py`: pure URL helpers: toggle links, chips, quick ranges.
- `reader.py`: who is browsing, for the reader's own filters.

Import from the submodules: papers.filters imports `reader`, so this package imports
nothing itself.
"""
