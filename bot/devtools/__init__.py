"""Tools for tests, benchmarks and the demo: the fake LINE API, the simulator, the local chat."""
