"""Local development tools: `make run` (moto + tables + demo data + chalice local), `make token`.

Nothing here is packaged into Lambda; the deployed app never imports this package.
"""
