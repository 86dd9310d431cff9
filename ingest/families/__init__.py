"""One module per document family; the registry (registry.py) lists them."""
