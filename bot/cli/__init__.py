"""The `cnsbot` command line: `app` builds it, one module per command group."""
