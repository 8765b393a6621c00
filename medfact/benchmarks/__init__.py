"""Benchmark runners behind `medfact bench` (the scripts in bench/ call these)."""
