"""What the tests share: the mock harness, the committed stacks, variants as data, moto stand-ins and
fakes. Imported as ``tests.support.<module>`` from the project root (pytest's ``pythonpath``)."""
