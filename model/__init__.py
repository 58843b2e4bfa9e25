"""``govtag.model`` (the top-level folder ``model/``): the network, encoding and decoding, the predictor, the model tagger, the registry and model verification."""
