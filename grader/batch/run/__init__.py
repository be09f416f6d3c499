"""Grading the class: worker processes (`pool`, `worker`, `beacon`) grade through the answer cache (`cache`),
render each part once (`render`) and make one compact record per submission (`rows`), which the journal
(`journal`) and the run's scratch store (`store`, `entries`) keep. Imports only `intake` of the batch.
"""
