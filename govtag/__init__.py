"""govtag: tag Chinese rule-of-law government reports.

Data flows one way: ingest -> segment -> tag (rules | model | merged) -> schema.
The public Python API is :class:`govtag.pipeline.Pipeline`.
"""

__version__ = "0.1.0"

LABELS: tuple[str, ...] = ("achievement", "problem", "plan", "other")
ENTITY_TYPES: tuple[str, ...] = ("ORG", "DOC_NO", "NUM", "POLICY")
