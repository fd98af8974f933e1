"""Load-test tooling: web servers started for a benchmark, signed-in sessions, the locust scenario
and the figures it prints. See docs/performance.md."""
