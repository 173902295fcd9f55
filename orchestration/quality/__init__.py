"""Quality stage: Great Expectations suites from ``expectations/`` as blocking asset checks."""
