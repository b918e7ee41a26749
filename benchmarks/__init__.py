"""Performance benchmarks of Relance: ``python3 -m benchmarks.run`` (see docs/performance.md)."""
