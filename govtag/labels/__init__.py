"""The labelling round trip with Label Studio and doccano.

``export`` annotates reports with the current model and writes them as tasks a
labelling tool imports with the model's labels as pre-annotations; ``importer``
reads the tool's export back, checks every span (``validate``) and builds gold
records in the contract's format (ANNOTATION.md, section 3). ``select`` picks the
documents the model is least sure of, so that labelling time goes where it helps.
"""
