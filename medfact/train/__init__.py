"""Self-supervised training: the tier-1 verifier and the calibrated risk model."""
