"""JSON schemas of request bodies shared by an API's controller and
whoever else must know what the API accepts, one module per API."""
