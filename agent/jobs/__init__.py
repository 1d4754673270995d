"""Provider batch jobs: requests prepared from the realtime extractor, submitted to a
provider's batch endpoint (or run by any engine that speaks the OpenAI Batch format), and
their answers collected through the realtime extractor again.

prepare (articles -> request files) -> remote (submit, status, fetch, cancel; state keeps
the job ids) -> collect (responses -> results, cache, ledger, re-asks). files reads and
writes the batch formats; index keeps a collect's requests and answers on disk. What talks
to the provider through openai lives in `agent.extractors.llm` (batchapi, recording,
replay).
"""
