"""``govtag.training`` (the top-level folder ``training/``): training examples, the fine-tuning loop, checkpoints, calibration, cross-validation and pretraining."""
