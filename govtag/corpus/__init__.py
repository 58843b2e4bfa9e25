"""Annotating whole corpora: streamed inputs, resumable outputs and analysable tables.

``inputs`` turns command-line arguments into a stream of documents to read,
``run`` tags them in batches, ``sinks`` writes each document as it finishes
(JSON Lines, Parquet or CSV tables, or one JSON/Markdown file), ``tables``
defines the table rows, and ``progress`` reports on a terminal or in a log.
"""
