"""From per-article extraction results to cross-article incidents (`sitrep incidents`).

One concept per module: `mentions` (results -> event mentions), `names` (place, actor and
reporter keys), `similarity` (pair features and score), `store` (disk-backed sort),
`blocking` (the time sweep in blocks), `clustering` (components -> incidents), `claims`
(claims, carriers and counts), `assemble` (the incident record), `writers` (JSON Lines, CSV,
SQLite, links log), `explain` (why two events were or were not linked) and `pipeline`
(`link_incidents`, the one entry point). It reads only the output contract, so it works on
any extractor's results.
"""
