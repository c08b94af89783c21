"""The labelled corpus is data for tests/scan, not tests to collect."""

collect_ignore_glob = ["*"]
