"""One module per API resource: its controller, request schemas and
policy rule names, side by side."""
