"""NLU training: data splits, the training loop, calibration and evaluation."""
