"""The eval harness: models (or earlier predictions) scored against the hand-annotated suite.

`evaluate` holds the entry points (`evaluate`, `agree`, `suite_articles`); `suite` the gold
cases and `suite.toml`; `runs` extractions of the suite; `compare`, `matching`, `scoring` and
`metrics` the pure scoring; `report` the typed `report.json`; `gates` the gates; `writers` the
terminal table, Markdown and JUnit. Extractors are built by the caller and handed in: this
package never imports the LLM extractor.
"""
