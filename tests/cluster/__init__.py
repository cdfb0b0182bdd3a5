"""Tests on a real 3-node NATS cluster (`make test-cluster`; `make test` skips them)."""
