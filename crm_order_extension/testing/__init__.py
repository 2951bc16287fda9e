"""Records for the tier-2 tests and the benchmarks, shipped in the package on purpose: a benchmark
(`bench crm-orders benchmark...`) makes the same master data and records as the tests, without
importing the test suite. crm_order_extension/tests/fixtures.py re-exports these and adds the
builders only tests use."""
